// Helpers for end-to-end tests: the real server binary, a real Chromium, and the steps users take.
// Every test file starts its own server (fresh SQLite database, free port), so files can run in
// parallel and never share state.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { createRequire } from 'node:module'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const FRONTEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const REPO_DIR = resolve(FRONTEND_DIR, '..')
export const OUTPUT_DIR = join(REPO_DIR, 'test-output', 'e2e')

/** The password every demo user gets when the server is started by {@link startServer}. */
export const DEMO_PASSWORD = 'demo-password-2026'

/** Seeded demo data (DOMAIN.md): the network and the users tests sign in as. */
export const DEMO = {
  network: 'Creative Clusters in Low Density Urban Areas',
  leadCity: 'Óbidos',
  users: {
    leadCoordinator: 'lead@obidos.example.org',
    expert: 'expert@urbact.example.org',
    coordinator: 'coordinator@obidos.example.org',
    ulgMember: 'ulg@obidos.example.org',
    observer: 'observer@obidos.example.org',
  },
  names: {
    leadCoordinator: 'Helena Sousa',
    coordinator: 'Inês Martins',
    ulgMember: 'Rui Carvalho',
  },
}

const SERVER_BIN = resolve(FRONTEND_DIR, process.env.IAP_BIN ?? '../target/debug/iap-studio')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const READY_TIMEOUT_MS = Number(process.env.IAP_E2E_READY_TIMEOUT_MS ?? 60_000)

/** Flags that keep Chromium quiet, offline and reproducible in CI containers. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Servers still running; killed if the test process exits without stopping them. */
const running = new Set()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** A TCP port that was free a moment ago (the server binds it right after). */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolvePort(port))
    })
  })
}

/**
 * @typedef {object} Server
 * @property {string} url        base URL, e.g. http://127.0.0.1:41234
 * @property {number} port
 * @property {string} dataDir    temporary folder holding the database (removed by stop())
 * @property {string} logPath    the server's stdout and stderr
 * @property {() => string} log  what the server printed so far
 * @property {() => Promise<void>} stop
 */

/**
 * Starts `IAP_BIN serve --demo` on a free port with a fresh SQLite database and waits until
 * `GET /readyz` answers 200.
 * @param {{ name?: string, env?: Record<string, string>, args?: string[] }} [options]
 *   `name` labels the log file; `env` adds or overrides variables; `args` replaces `serve --demo`.
 * @returns {Promise<Server>}
 */
export async function startServer(options = {}) {
  const name = options.name ?? 'server'
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const dataDir = await mkdtemp(join(tmpdir(), 'iap-e2e-'))
  await mkdir(OUTPUT_DIR, { recursive: true })
  const logPath = join(OUTPUT_DIR, `${name}.log`)
  const logFile = createWriteStream(logPath)
  let output = ''

  const child = spawn(SERVER_BIN, options.args ?? ['serve', '--demo'], {
    cwd: dataDir,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dataDir, 'e2e.db')}?mode=rwc`,
      IAP_BIND: `127.0.0.1:${port}`,
      IAP_PUBLIC_URL: url,
      IAP_DEMO_PASSWORD: DEMO_PASSWORD,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  /** @type {Promise<number | null>} */
  const exited = new Promise((done) => {
    child.on('exit', (code) => {
      running.delete(child)
      done(code)
    })
  })
  /** @type {Error | undefined} */
  let spawnError
  child.on('error', (e) => {
    spawnError = e
  })
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      output += String(chunk)
      logFile.write(chunk)
    })
  }

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const code = await Promise.race([exited, sleep(5_000, 'timeout')])
      if (code === 'timeout') {
        child.kill('SIGKILL')
        await exited
      }
    }
    logFile.end()
    if (!process.env.IAP_E2E_KEEP) await rm(dataDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (spawnError) {
      await stop()
      throw new Error(`could not start ${SERVER_BIN} (${spawnError.message}); build it first or set IAP_BIN`)
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop()
      const status = child.exitCode ?? child.signalCode
      throw new Error(`${SERVER_BIN} serve exited (${status}) before /readyz answered 200:\n${tail(output) || '(no output)'}`)
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })
      if (response.status === 200) break
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`server not ready after ${READY_TIMEOUT_MS} ms:\n${tail(output) || '(no output)'}`)
    }
    await sleep(100)
  }

  return { url, port, dataDir, logPath, log: () => output, stop }
}

/** @param {string} text */
function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n')
}

/**
 * Launches Debian's Chromium headless through playwright-core (no browser download). Playwright
 * gives every launch a fresh temporary profile (user-data-dir) and removes it on close; use one
 * `browser.newContext()` per user to keep their cookies apart.
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function newBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/**
 * A fresh page (own cookies) whose relative URLs go to `server`.
 * @param {import('playwright-core').Browser} browser
 * @param {Server} server
 * @param {{ width: number, height: number }} [viewport] defaults to a landscape tablet
 */
export async function newPage(browser, server, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ baseURL: server.url, viewport, locale: 'en-GB' })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  return page
}

/**
 * Signs in through the form at `/`, as a user would. Does not wait for the result, so tests can
 * check a success or an error.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 * @param {string} [password]
 */
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto('/')
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/**
 * Saves a full-page screenshot as `test-output/e2e/<name>.png` and returns its path.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  await mkdir(OUTPUT_DIR, { recursive: true })
  const path = join(OUTPUT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now and returns the serious
 * and critical violations, each as `rule: target (summary)` lines, for an `assert.deepEqual([], …)`.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
export async function seriousA11yViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_PATH })
  /** @type {{ id: string, impact: string | null, help: string, nodes: { target: unknown[] }[] }[]} */
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    return result.violations.map((/** @type {any} */ v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((/** @type {any} */ n) => ({ target: n.target })) }))
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)} (${v.help})`))
}

/**
 * Whether the server answers a WebSocket upgrade at `path` (the socket exists), so tests of live
 * features can say "not available yet" rather than fail against an older server.
 * @param {Server} server
 * @param {string} path e.g. `/api/v1/events`
 */
export async function socketExists(server, path) {
  // A plain GET without a session: a socket route refuses it (401/400/426), an unknown path is 404.
  const response = await fetch(`${server.url}${path}`).catch(() => undefined)
  return response !== undefined && response.status !== 404
}

/**
 * Registers `before`/`after` hooks in the current `describe` that start a server and a browser
 * and stop them; read `env.server` and `env.browser` inside the tests.
 * @param {string} name labels the server's log file
 */
export function serverAndBrowser(name) {
  /** @type {{ server: Server, browser: import('playwright-core').Browser }} */
  const env = /** @type {any} */ ({})
  before(async () => {
    env.server = await startServer({ name })
    env.browser = await newBrowser()
  })
  after(async () => {
    await env.browser?.close()
    await env.server?.stop()
  })
  return env
}

/**
 * Signs in and opens the lead partner city's workspace from "My networks and cities".
 * @param {import('playwright-core').Page} page
 * @param {string} email
 */
export async function openLeadCity(page, email) {
  await signIn(page, email)
  await page.getByRole('heading', { level: 1, name: 'My networks and cities' }).waitFor()
  await page.getByRole('link', { name: new RegExp(DEMO.leadCity) }).first().click()
  await page.getByRole('heading', { level: 1, name: DEMO.leadCity }).waitFor()
}

/**
 * Reopens one of Óbidos' approved stages as its coordinator, through the API (the demo has
 * already moved the first stages through approval, which locks their sections).
 * @param {import('playwright-core').Browser} browser
 * @param {Server} server
 * @param {string} stageName e.g. `Activation: context and problems`
 */
export async function reopenStage(browser, server, stageName) {
  const page = await newPage(browser, server)
  await openLeadCity(page, DEMO.users.coordinator)
  const cityId = new URL(page.url()).pathname.split('/')[2]
  const status = await page.evaluate(
    async ({ city, name }) => {
      const plan = await (await fetch(`/api/v1/cities/${city}/plan`)).json()
      const stages = await (await fetch(`/api/v1/plans/${plan.id}/stages`)).json()
      const stage = stages.find((/** @type {{ name: string }} */ s) => s.name === name)
      const r = await fetch(`/api/v1/stages/${stage.id}/reopen`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ note: 'Reopened for the end-to-end test.' }),
      })
      return r.status
    },
    { city: cityId, name: stageName },
  )
  await page.context().close()
  if (status !== 200) throw new Error(`reopening “${stageName}” answered ${status}`)
}
