import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'
import { swaggerAssets } from './build/swagger-assets.ts'

/** Where `npm run dev` sends /api (override with IAP_API=http://host:port). */
const apiTarget = process.env.IAP_API ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [react(), swaggerAssets()],
  server: {
    proxy: {
      '/api': {
        target: apiTarget,
        changeOrigin: true,
        ws: true,
        // The server refuses unsafe requests whose Origin is not its public URL; in dev the
        // browser's Origin is the Vite server, so present the API's own origin instead.
        headers: { origin: apiTarget },
      },
    },
  },
  build: {
    // The server embeds dist/; keep the output predictable.
    assetsDir: 'assets',
    sourcemap: false,
    // The editor (TipTap + Yjs) is a lazy chunk of ~520 kB raw; the first page stays far smaller.
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
})
