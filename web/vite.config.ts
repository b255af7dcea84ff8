import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The admin UI: built into dist/web (repo root) and served by `quarry serve` under /admin/.
 *
 * @example npx vite build --config web/vite.config.ts
 */
const webDir = new URL('.', import.meta.url).pathname

export default defineConfig({
  root: webDir,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: new URL('../dist/web', import.meta.url).pathname,
    emptyOutDir: true,
    // The CSP is `script-src 'self'`: no inline module preload polyfill.
    modulePreload: { polyfill: false },
    // The query editor's chunk is CodeMirror (~530 kB), loaded only when the editor opens.
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config web/vite.config.ts` with `quarry serve` on :3000.
    proxy: {
      '/api': 'http://localhost:3000',
      '/v': 'http://localhost:3000',
      '/embed.js': 'http://localhost:3000',
    },
  },
})
