// As create-next-app writes it, with Cache Components on (Next 16's recommended mode, under which
// a Server Component must not read the clock before its first uncached request). Nothing for
// the package.
/** @type {import('next').NextConfig} */
const nextConfig = { cacheComponents: true };

export default nextConfig;
