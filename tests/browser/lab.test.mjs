// The browser tier: JupyterLab in headless Chromium, driven by playwright-core.
// Started by run.sh, which provides the server and these environment variables:
//   LAB_URL      http://127.0.0.1:PORT of a token-less `jupyter lab`
//   LAB_ROOT     its root dir (a temp copy of notebooks/ plus the fixture notebook)
//   LAB_LESSONS  space-separated names of the notebooks that came from notebooks/
//   ARTIFACTS    where screenshots go (target/browser-artifacts)
//   CHROMIUM     the browser binary (Debian's /usr/bin/chromium)
//   NDPLAY_UPDATE_SCREENSHOT=1  also copy lesson 1 (light) to docs/screenshots/lesson1.png
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through tests/browser/run.sh`);
  return v;
};
const LAB_URL = need('LAB_URL');
const LAB_ROOT = need('LAB_ROOT');
const ARTIFACTS = need('ARTIFACTS');
const CHROMIUM = need('CHROMIUM');
const REPO_ROOT = process.env.REPO_ROOT || path.resolve(import.meta.dirname, '../..');
const LESSONS = (process.env.LAB_LESSONS || '').split(/\s+/).filter(Boolean);
const KERNEL_DISPLAY_NAME = 'Rust (ndplay)';
const ALLOW_ERROR_TAG = 'raises-exception';

// Every notebook in the root, lessons and fixture alike.
const NOTEBOOKS = fs.readdirSync(LAB_ROOT).filter((f) => f.endsWith('.ipynb')).sort();

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const VIEWPORT = { width: 1280, height: 900 };
const MAX_SHOTS = 60;

let browser;
const seen = { html: 0, svg: 0, untrustedArrays: 0 };

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // launch() gives Chromium a fresh, empty --user-data-dir of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------------------------------
// helpers

const withTimeout = (promise, ms, what) => {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** A new browser context on `urlPath`, with JupyterLab started and restored. */
async function openLab(t, urlPath) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  t.after(async () => {
    if (problems.length) t.diagnostic(problems.slice(0, 20).join('\n'));
    // Shut the kernels down so the next notebook has the cores to itself.
    await page.evaluate(() => window.jupyterapp?.serviceManager.sessions.shutdownAll()).catch(() => {});
    await context.close();
  });
  await page.goto(`${LAB_URL}${urlPath}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(() => window.jupyterapp?.shell, null, { timeout: 60_000 });
  await page.evaluate(() => window.jupyterapp.restored);
  return page;
}

/** Waits for the notebook `nbPath` to be the current widget, and its kernel to be ready. */
async function notebookReady(page, nbPath) {
  await page.waitForFunction(
    (p) => {
      const w = window.jupyterapp.shell.currentWidget;
      return w?.context?.path === p && w.content?.widgets?.length > 0;
    },
    nbPath,
    { timeout: 60_000 },
  );
  await page.evaluate(async () => {
    const w = window.jupyterapp.shell.currentWidget;
    await w.context.ready;
    await w.revealed;
  });
}

async function kernelIdle(page, timeout) {
  // Must see a kernel (not "no kernel" or a kernel-choice dialog) and it must be idle.
  try {
    await waitIdle(page, timeout);
  } catch (e) {
    const state = await kernelDescription(page).catch((err) => ({ unreadable: err.message }));
    const file = path.join(ARTIFACTS, `not-idle-${Date.now()}.png`);
    await page.screenshot({ path: file }).catch(() => {});
    throw new Error(`the kernel was not idle within ${timeout / 1000} s: ${JSON.stringify(state)} (screenshot ${file})`);
  }
}

async function waitIdle(page, timeout) {
  await page.waitForFunction(
    () => {
      const w = window.jupyterapp.shell.currentWidget;
      const k = w?.sessionContext?.session?.kernel;
      return k && k.connectionStatus === 'connected' && k.status === 'idle';
    },
    null,
    { timeout, polling: 250 },
  );
}

/**
 * Waits until every non-empty code cell has an execution count and the kernel is idle,
 * or until nothing has moved for 20 s with the kernel idle (cells that will never run:
 * the assertions then name them), or `timeout`.
 */
async function waitForCells(page, timeout) {
  const deadline = Date.now() + timeout;
  let idleSince = null;
  let last = -1;
  while (Date.now() < deadline) {
    const { done, total, status } = await page.evaluate(() => {
      const w = window.jupyterapp.shell.currentWidget;
      const code = w.content.widgets.filter((c) => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
      return {
        done: code.filter((c) => c.model.executionCount != null).length,
        total: code.length,
        status: w.sessionContext.session?.kernel?.status,
      };
    });
    if (done !== last) { last = done; idleSince = null; }
    if (status === 'idle') idleSince ??= Date.now(); else idleSince = null;
    if (done === total && idleSince && Date.now() - idleSince >= 1500) return;
    if (idleSince && Date.now() - idleSince >= 20_000) return;
    await page.waitForTimeout(500);
  }
  throw new Error(`the cells did not finish within ${timeout / 1000} s: ${JSON.stringify(await kernelDescription(page))}`);
}

async function kernelDescription(page) {
  return page.evaluate(() => {
    const w = window.jupyterapp.shell.currentWidget;
    const sc = w?.sessionContext;
    const dialog = document.querySelector('.jp-Dialog');
    const running = w?.content?.widgets
      ?.map((c, i) => [i, c.node.querySelector('.jp-InputPrompt')?.innerText.trim(), c.model.sharedModel.getSource().slice(0, 60)])
      .filter(([, prompt]) => prompt?.includes('*'));
    return {
      kernel: sc?.kernelDisplayName,
      status: sc?.session?.kernel?.status,
      connection: sc?.session?.kernel?.connectionStatus,
      running,
      dialog: dialog ? dialog.innerText.slice(0, 300) : null,
    };
  });
}

/**
 * Everything the student sees of each code cell, read from both the model and the DOM.
 * Waits for images in outputs to finish loading first.
 */
async function inspectCells(page) {
  return page.evaluate(async () => {
    const w = window.jupyterapp.shell.currentWidget;
    const imgs = [...w.content.node.querySelectorAll('.jp-OutputArea-output img')];
    await Promise.all(
      imgs.map((img) =>
        img.complete
          ? null
          : new Promise((r) => {
              img.addEventListener('load', r, { once: true });
              img.addEventListener('error', r, { once: true });
              setTimeout(r, 10_000);
            }),
      ),
    );
    return w.content.widgets.map((cell, index) => {
      const model = cell.model;
      const info = {
        index,
        type: model.type,
        source: model.sharedModel.getSource().slice(0, 120),
        trusted: model.trusted,
      };
      if (model.type !== 'code') return info;
      const tags = model.getMetadata ? model.getMetadata('tags') : model.metadata?.tags;
      info.tags = tags || [];
      info.executionCount = model.executionCount;
      info.prompt = cell.node.querySelector('.jp-InputPrompt')?.innerText.trim();
      const outputs = [];
      for (let i = 0; i < model.outputs.length; i++) outputs.push(model.outputs.get(i).toJSON());
      const children = [...cell.node.querySelectorAll('.jp-OutputArea-child')];
      info.outputs = outputs.map((o, i) => {
        const el = children[i]?.querySelector('.jp-OutputArea-output');
        const html = el?.classList.contains('jp-RenderedHTMLCommon') ? el : el?.querySelector('.jp-RenderedHTMLCommon');
        return {
          type: o.output_type,
          ename: o.ename,
          evalue: o.evalue,
          mimes: o.data ? Object.keys(o.data) : o.output_type === 'stream' ? [o.name] : [],
          plain: typeof o.data?.['text/plain'] === 'string'
            ? o.data['text/plain']
            : Array.isArray(o.data?.['text/plain']) ? o.data['text/plain'].join('') : null,
          rendered: el
            ? {
                mime: el.dataset.mimeType || null,
                text: el.innerText,
                html: html ? { children: html.children.length, text: html.innerText.trim().length } : null,
                imgs: [...el.querySelectorAll('img')].map((img) => ({
                  src: img.getAttribute('src')?.slice(0, 40),
                  naturalWidth: img.naturalWidth,
                  naturalHeight: img.naturalHeight,
                })),
                height: el.getBoundingClientRect().height,
              }
            : null,
        };
      });
      info.renderedCount = children.length;
      return info;
    });
  });
}

const step = (msg) => process.stderr.write(`  · ${msg}\n`);
const describeCell = (c) => `cell ${c.index} (${JSON.stringify(c.source.split('\n')[0])})`;

/**
 * The whole notebook as numbered screenshots (`<base>-01.png`, ...): JupyterLab scrolls the
 * notebook inside a fixed page, so a "full page" is the notebook scrolled screen by screen.
 * Returns the files written.
 */
async function notebookShots(page, base) {
  await page.evaluate(() => window.jupyterapp.shell.collapseLeft());
  await page.waitForTimeout(300);
  await page.evaluate(() => {
    // The notebook's scroller: the element under the panel that hides the most.
    const w = window.jupyterapp.shell.currentWidget;
    let best = w.node;
    for (const el of w.node.querySelectorAll('*')) {
      if (el.scrollHeight - el.clientHeight > best.scrollHeight - best.clientHeight) best = el;
    }
    document.querySelectorAll('[data-ndplay-scroller]').forEach((el) => el.removeAttribute('data-ndplay-scroller'));
    best.setAttribute('data-ndplay-scroller', '');
    best.scrollTop = 0;
  });
  const files = [];
  for (let i = 1; i <= MAX_SHOTS; i++) {
    await page.waitForTimeout(400); // outputs scrolled into view get painted
    const file = `${base}-${String(i).padStart(2, '0')}.png`;
    await page.screenshot({ path: file });
    files.push(file);
    const more = await page.evaluate(() => {
      const el = document.querySelector('[data-ndplay-scroller]');
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) return false;
      el.scrollTop += el.clientHeight - 80; // a little overlap between screens
      return true;
    });
    if (!more) break;
  }
  return files;
}

async function setTheme(page, theme) {
  await page.evaluate((name) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: name }), theme);
  await page.waitForFunction((name) => document.body.dataset.jpThemeName === name, theme, { timeout: 30_000 });
  await page.waitForTimeout(700); // theme CSS applied and re-laid-out
}

const shotName = (nb, suffix) => path.join(ARTIFACTS, `${nb.replace(/\.ipynb$/, '')}-${suffix}`);

// numbers in an array's text/plain, e.g. "array![[0.33333333, 1.  ], ..." -> ["0.33333333", "1."]
const numbersOf = (s) => (s.match(/-?\d+(?:\.\d*)?(?:e[+-]?\d+)?/g) || []);

// ---------------------------------------------------------------------------------------
// tests

test('the lesson notebooks are there', () => {
  assert.ok(
    LESSONS.length > 0,
    'no lesson notebook in notebooks/ (issue 7 needs lesson 1: notebooks/01-*.ipynb)',
  );
  assert.ok(LESSONS.some((n) => n.startsWith('01-')), `no lesson 1 among ${LESSONS.join(', ')}`);
  for (const l of LESSONS) assert.ok(NOTEBOOKS.includes(l), `${l} not copied into the lab root`);
});

test('the launcher shows the kernel logo and "Rust (ndplay)"', { timeout: 120_000 }, async (t) => {
  const page = await openLab(t, '/lab?reset');
  await page.waitForSelector('.jp-Launcher', { timeout: 30_000 });
  const cards = page.locator(`.jp-LauncherCard[data-category="Notebook"]`, { hasText: KERNEL_DISPLAY_NAME });
  await cards.first().waitFor({ timeout: 30_000 });
  const card = await cards.first().evaluate(async (el) => {
    const img = el.querySelector('.jp-LauncherCard-icon img');
    if (img && !img.complete) await new Promise((r) => { img.onload = img.onerror = r; });
    return {
      label: el.querySelector('.jp-LauncherCard-label')?.innerText.trim(),
      title: el.getAttribute('title'),
      img: img ? { src: img.getAttribute('src'), naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight } : null,
      letterFallback: !!el.querySelector('.jp-LauncherCard-noKernelIcon'),
    };
  });
  t.diagnostic(JSON.stringify(card));
  await page.screenshot({ path: path.join(ARTIFACTS, 'launcher.png') });
  assert.equal(card.label, KERNEL_DISPLAY_NAME);
  assert.equal(card.letterFallback, false, 'the launcher shows a letter instead of the kernel logo');
  assert.ok(card.img, 'no logo image on the launcher card');
  assert.match(card.img.src, /kernelspecs\/ndplay\//);
  assert.ok(card.img.naturalWidth > 0, `the kernel logo did not load: ${card.img.src}`);
  const console = page.locator('.jp-LauncherCard[data-category="Console"]', { hasText: KERNEL_DISPLAY_NAME });
  assert.equal(await console.count(), 1, 'no "Rust (ndplay)" console card');
});

for (const nb of NOTEBOOKS) {
  test(`${nb}: stored outputs are readable before running (untrusted)`, { timeout: 120_000 }, async (t) => {
    const stored = JSON.parse(fs.readFileSync(path.join(LAB_ROOT, nb), 'utf8'));
    const storedOutputs = stored.cells.filter((c) => c.cell_type === 'code').reduce((n, c) => n + c.outputs.length, 0);
    assert.ok(storedOutputs > 0, `${nb} has no stored outputs: lessons are committed with their outputs`);
    const page = await openLab(t, `/lab/tree/${encodeURIComponent(nb)}?reset`);
    await notebookReady(page, nb);
    await page.waitForTimeout(500);
    const cells = await inspectCells(page);
    await notebookShots(page, shotName(nb, 'untrusted'));
    const problems = [];
    for (const c of cells.filter((x) => x.type === 'code')) {
      if (c.trusted) problems.push(`${describeCell(c)} is trusted, but nothing should be trusted yet`);
      if (c.renderedCount !== c.outputs.length) {
        problems.push(`${describeCell(c)}: ${c.outputs.length} stored outputs but ${c.renderedCount} shown`);
      }
      for (const [i, o] of c.outputs.entries()) {
        const where = `${describeCell(c)} output ${i} (${o.type} ${o.mimes.join(',')})`;
        const r = o.rendered;
        if (!r) { problems.push(`${where}: not shown`); continue; }
        if (/Cannot display/i.test(r.text)) problems.push(`${where}: shows ${JSON.stringify(r.text.trim().slice(0, 100))}`);
        const visible = r.text.trim().length > 0 || r.imgs.some((im) => im.naturalWidth > 0);
        if (!visible) problems.push(`${where}: blank (${r.mime})`);
        // An array stays readable: its first and last numbers are on screen.
        if (o.plain && /^array!\[/.test(o.plain.trim())) {
          seen.untrustedArrays++;
          const nums = numbersOf(o.plain.replace(/shape=\(.*?\)|dtype=\w+/g, ''));
          for (const n of [nums[0], nums[nums.length - 1]]) {
            if (n !== undefined && !r.text.includes(n)) {
              problems.push(`${where}: array value ${n} not visible; shown as ${r.mime}: ${JSON.stringify(r.text.slice(0, 160))}`);
            }
          }
        }
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  test(`${nb}: run all cells in JupyterLab`, { timeout: 30 * 60_000 }, async (t) => {
    const page = await openLab(t, `/lab/tree/${encodeURIComponent(nb)}?reset`);
    await notebookReady(page, nb);
    await kernelIdle(page, 180_000); // the kernel loads its prelude at start
    const nCode = await page.evaluate(() =>
      window.jupyterapp.shell.currentWidget.content.widgets.filter((c) => c.model.type === 'code').length);
    // Every message to and from the kernel, to explain cells that did not run.
    await page.evaluate(() => {
      const log = (window.__ndplayMessages = []);
      window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.anyMessage.connect((_, { msg, direction }) => {
        const type = msg.header.msg_type;
        if (type === 'status' || type === 'stream' || type.startsWith('comm')) return;
        log.push({ t: Date.now(), direction, type, id: msg.header.msg_id, parent: msg.parent_header?.msg_id,
          status: msg.content?.status, count: msg.content?.execution_count, code: msg.content?.code?.slice(0, 50),
          ename: msg.content?.ename });
      });
    });
    const started = Date.now();
    // Not awaited: JupyterLab settles run-all at the first error reply (even from a cell
    // tagged raises-exception) and blanks the prompts of the cells still queued, which
    // the kernel then goes on to run. So completion is read off the cells instead.
    await page.evaluate(() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); });
    await waitForCells(page, 120_000 + nCode * 60_000);
    t.diagnostic(`${nCode} code cells ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const cells = await inspectCells(page);
    fs.writeFileSync(`${shotName(nb, 'cells')}.json`, JSON.stringify(cells, null, 1));
    const messages = await page.evaluate(() => window.__ndplayMessages);
    fs.writeFileSync(`${shotName(nb, 'messages')}.json`, JSON.stringify(messages, null, 1));
    const requests = messages.filter((m) => m.type === 'execute_request');
    const replies = messages.filter((m) => m.type === 'execute_reply');
    const byStatus = {};
    for (const r of replies) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
    t.diagnostic(`${requests.length} execute_requests sent, replies: ${JSON.stringify(byStatus)}`);

    const light = await notebookShots(page, shotName(nb, 'light'));
    if (nb.startsWith('01-') && process.env.NDPLAY_UPDATE_SCREENSHOT === '1') {
      fs.mkdirSync(path.join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
      fs.copyFileSync(light[0], path.join(REPO_ROOT, 'docs/screenshots/lesson1.png'));
    }
    await setTheme(page, 'JupyterLab Dark');
    try {
      await notebookShots(page, shotName(nb, 'dark'));
    } finally {
      await setTheme(page, 'JupyterLab Light'); // settings persist across pages
    }

    const problems = [];
    for (const c of cells.filter((x) => x.type === 'code')) {
      const source = c.source.trim();
      if (c.executionCount == null) {
        if (source) problems.push(`${describeCell(c)} did not run (prompt ${c.prompt})`);
        continue;
      }
      if (!/^\[\d+\]:$/.test(c.prompt || '')) problems.push(`${describeCell(c)}: prompt shows ${c.prompt}`);
      if (c.renderedCount !== c.outputs.length) {
        problems.push(`${describeCell(c)}: ${c.outputs.length} outputs but ${c.renderedCount} shown`);
      }
      const mayRaise = c.tags.includes(ALLOW_ERROR_TAG);
      for (const [i, o] of c.outputs.entries()) {
        const where = `${describeCell(c)} output ${i} (${o.type} ${o.mimes.join(',')})`;
        const r = o.rendered;
        if (o.type === 'error' && !mayRaise) problems.push(`${where}: ${o.ename}: ${o.evalue}`);
        if (!r) { problems.push(`${where}: not shown`); continue; }
        if (/Cannot display/i.test(r.text)) problems.push(`${where}: shows ${JSON.stringify(r.text.trim().slice(0, 100))}`);
        if (r.mime === 'text/html') {
          seen.html++;
          if (!r.html || r.html.children === 0 || r.html.text === 0) problems.push(`${where}: HTML rendered empty`);
        }
        if (r.mime === 'image/svg+xml') {
          seen.svg++;
          if (r.imgs.length === 0) problems.push(`${where}: SVG not shown as an image`);
          for (const im of r.imgs) if (!(im.naturalWidth > 0)) problems.push(`${where}: SVG image did not load (${im.src}…)`);
        }
        if (o.mimes.includes('text/html') && r.mime !== 'text/html' && !o.mimes.includes('image/svg+xml')) {
          problems.push(`${where}: has text/html but JupyterLab showed ${r.mime}`);
        }
        if (o.mimes.includes('image/svg+xml') && r.mime !== 'image/svg+xml' && r.mime !== 'text/html') {
          problems.push(`${where}: has image/svg+xml but JupyterLab showed ${r.mime}`);
        }
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
}

test('HTML and SVG outputs were seen at all', () => {
  assert.ok(seen.html > 0, 'no text/html output rendered in any notebook');
  assert.ok(seen.svg > 0, 'no image/svg+xml output rendered in any notebook');
  assert.ok(seen.untrustedArrays > 0, 'no stored array output checked in the untrusted view');
});

test('the interrupt button stops `loop {}` and the kernel returns to Idle', { timeout: 600_000 }, async (t) => {
  const page = await openLab(t, '/lab?reset');
  // The student's way in: the launcher card makes a new notebook with our kernel.
  const card = page.locator('.jp-LauncherCard[data-category="Notebook"]', { hasText: KERNEL_DISPLAY_NAME }).first();
  await card.click({ timeout: 30_000 });
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.context?.path?.endsWith('.ipynb'), null, { timeout: 60_000 });
  const nbPath = await page.evaluate(() => window.jupyterapp.shell.currentWidget.context.path);
  await notebookReady(page, nbPath);
  await kernelIdle(page, 180_000);

  const runCell = async (code) => {
    await page.evaluate((src) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.activeCell.model.sharedModel.setSource(src);
    }, code);
    // Not awaited: the command's promise only settles when the cell has finished.
    await page.evaluate(() => { void window.jupyterapp.commands.execute('notebook:run-cell'); });
  };
  const lastCell = () => page.evaluate(() => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    const cell = nb.activeCell;
    const out = [];
    for (let i = 0; i < cell.model.outputs.length; i++) out.push(cell.model.outputs.get(i).toJSON());
    return { count: cell.model.executionCount, outputs: out, text: cell.node.querySelector('.jp-Cell-outputArea')?.innerText || '' };
  });
  const statusBar = () => page.locator('#jp-main-statusbar').innerText();

  // First a cell that waits for the prelude, so that the loop below really loops.
  step(`${nbPath}: kernel idle`);
  await runCell('let survivor = 7;\nsurvivor + 1');
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.content.activeCell.model.executionCount != null, null, { timeout: 180_000 });
  await kernelIdle(page, 30_000);
  assert.match((await lastCell()).text, /8/);

  step('warm-up cell done');
  await runCell('loop {}');
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'busy', null, { timeout: 30_000 });
  await page.waitForTimeout(4000); // compiled and looping
  assert.equal(await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status), 'busy');
  assert.match(await statusBar(), /Busy/);

  const button = page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="interrupt"] button, .jp-NotebookPanel-toolbar button[data-command="notebook:interrupt-kernel"]').first();
  step('looping; clicking interrupt');
  const clicked = Date.now();
  await button.click({ timeout: 10_000 });
  await kernelIdle(page, 20_000);
  const stoppedIn = (Date.now() - clicked) / 1000;
  t.diagnostic(`idle ${stoppedIn.toFixed(2)} s after the click`);
  await page.waitForFunction(() => /Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || ''), null, { timeout: 10_000 });
  const cell = await lastCell();
  await page.screenshot({ path: path.join(ARTIFACTS, 'interrupt.png') });
  assert.ok(cell.outputs.some((o) => o.output_type === 'error'), `no error output after the interrupt: ${JSON.stringify(cell.outputs)}`);
  assert.match(cell.text, /interrupt/i);

  // The kernel still answers.
  await runCell('40 + 2');
  await page.waitForFunction(() => /42/.test(window.jupyterapp.shell.currentWidget.content.activeCell.node.querySelector('.jp-Cell-outputArea')?.innerText || ''), null, { timeout: 120_000 });
  await kernelIdle(page, 30_000);
});
