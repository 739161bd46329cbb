import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Plugin } from 'vite'

/** Files copied from `swagger-ui-dist` into `dist/swagger/` (the bundle's header points at its licence file). */
const FILES = ['swagger-ui-bundle.js', 'swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui.css'] as const

/**
 * Runs Swagger UI from the embedded build, with no inline script, so the server's
 * `/api/docs` page works under a strict Content-Security-Policy (`script-src 'self'`).
 */
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    withCredentials: true,
  });
});
`

/** The page the server may send as-is for `GET /api/docs`. */
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>IAP Studio API</title>
    <link rel="stylesheet" href="/swagger/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/swagger/swagger-ui-bundle.js"></script>
    <script src="/swagger/swagger-init.js"></script>
  </body>
</html>
`

/**
 * Copies Swagger UI's browser bundle into `dist/swagger/` at build time, so the API docs are
 * served from the binary (no CDN).
 */
export function swaggerAssets(): Plugin {
  return {
    name: 'iap-swagger-assets',
    apply: 'build',
    generateBundle() {
      const require = createRequire(import.meta.url)
      const root = dirname(require.resolve('swagger-ui-dist/package.json'))
      for (const file of FILES) {
        let source: string = readFileSync(join(root, file), 'utf8')
        // The source maps are not shipped; drop the reference so browsers do not ask for them.
        source = source.replace(/\n?\/[/*]# sourceMappingURL=\S+?(?: \*\/)?\s*$/, '\n')
        this.emitFile({ type: 'asset', fileName: `swagger/${file}`, source })
      }
      this.emitFile({ type: 'asset', fileName: 'swagger/swagger-init.js', source: INIT_JS })
      this.emitFile({ type: 'asset', fileName: 'swagger/index.html', source: INDEX_HTML })
    },
  }
}
