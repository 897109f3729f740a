export default function Home() {
  return <p>evolink-tasks in Next.js: /client, /server, /api/node, /api/edge</p>;
}
