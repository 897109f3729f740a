// As create-next-app writes it, without Cache Components: Next refuses a Route Handler's
// `runtime = 'edge'` under them, so the edge runtime has its own app. Nothing for the package.
/** @type {import('next').NextConfig} */
const nextConfig = {};

export default nextConfig;
