// Prints the gzipped size of each built asset and fails when the JavaScript the first page loads
// (the scripts and module preloads named in dist/index.html) exceeds the budget.
// Usage: node build/bundle-size.mjs [--budget-kb 250]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url).pathname
const budgetArg = process.argv.indexOf('--budget-kb')
const budgetKb = budgetArg === -1 ? 250 : Number(process.argv[budgetArg + 1])

const gz = (/** @type {string} */ file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
const kb = (/** @type {number} */ bytes) => (bytes / 1000).toFixed(1)

const html = readFileSync(join(dist, 'index.html'), 'utf8')
const firstPage = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]))

let firstPageBytes = 0
console.log('asset'.padEnd(44), 'raw kB'.padStart(9), 'gzip kB'.padStart(9), '  first page')
for (const name of readdirSync(join(dist, 'assets')).sort()) {
  const file = `assets/${name}`
  const raw = readFileSync(join(dist, file)).length
  const zipped = gz(file)
  const first = firstPage.has(file)
  if (first) firstPageBytes += zipped
  console.log(file.padEnd(44), kb(raw).padStart(9), kb(zipped).padStart(9), first ? '  yes' : '')
}
console.log(`first page JavaScript: ${kb(firstPageBytes)} kB gzipped (budget ${budgetKb} kB)`)
if (firstPageBytes > budgetKb * 1000) {
  console.error('over budget: code-split what the first page does not need')
  process.exit(1)
}
