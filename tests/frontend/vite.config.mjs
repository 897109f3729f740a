// Builds the React test app (tests/frontend/react-app, copied into the scratch project where
// 'evolink-tasks' and React are installed: FRONTEND_APP names it) as a user's Vite + React app is
// built: @vitejs/plugin-react, defaults otherwise (a relative base, to be served under /react-app/dist/).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: process.env.FRONTEND_APP,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, minify: false },
  logLevel: 'warn',
});
