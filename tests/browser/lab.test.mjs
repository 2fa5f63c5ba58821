// The browser tier: JupyterLab in headless Chromium, driven by playwright-core.
// Started by run.sh, which provides the server and these environment variables:
//   LAB_URL      http://127.0.0.1:PORT of a token-less `jupyter lab`
//   LAB_ROOT     its root dir (a temp copy of notebooks/ plus the fixture notebook)
//   LAB_LESSONS  space-separated names of the notebooks that came from notebooks/
//   ARTIFACTS    where screenshots go (target/browser-artifacts)
//   CHROMIUM     the browser binary (Debian's /usr/bin/chromium)
//   NDPLAY_UPDATE_SCREENSHOT=1  also copy lesson 1's screenshots (light and dark: the first
//                screen of its first part, 01a, and the first screen with a failed broadcast,
//                in part 01b) to docs/screenshots/
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
// Lesson 1 is in parts (01a, 01b, 01c); its first part stands for it where one is needed.
const LESSON1 = LESSONS.find((n) => n.startsWith('01a-'));
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

// A panel is bright when at least this share of its pixels is; a pixel is bright when its
// relative luminance is at least BRIGHT_PIXEL (JupyterLab Dark's page is #111, 0.006).
const BRIGHT_PIXEL = 0.7;
const BRIGHT_SHARE = 0.5;
// Outputs smaller than this (in CSS pixels) are words, not panels.
const MIN_PANEL_AREA = 40 * 40;
// Of the pictures a notebook stores, at least this share must show before any cell runs.
const MIN_UNTRUSTED_PICTURES = 0.9;
// A lesson stores every picture twice (inline SVG and its PNG twin); lesson 1 stays below this.
const MAX_LESSON1_BYTES = 2_000_000;

let browser;
const seen = { html: 0, svg: 0, untrustedArrays: 0, untrustedPictures: 0, livePictures: 0, panelsMeasured: 0 };
// The numbers to quote, one line per notebook and client, printed by the last summary test.
const quoted = [];

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
    // The cell's own outputs: not those inside an Output widget (an interact's area is an
    // output area of its own, nested in the cell's).
    const ownOutputs = (node) => [...(node.querySelector('.jp-Cell-outputArea')?.querySelectorAll(':scope > .jp-OutputArea-child') ?? [])];
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
      const children = ownOutputs(cell.node);
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
 * Returns the files written; with `measure`, also every output panel's share of bright
 * pixels (see measureScreen) and the panels that are bright.
 */
async function notebookShots(page, base, { measure = false } = {}) {
  await page.evaluate(() => window.jupyterapp.shell.collapseLeft?.()); // JupyterLab's; Notebook 7 has no side bar open
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
  const panels = [];
  if (measure) await page.evaluate(() => document.querySelectorAll('[data-ndplay-measured]').forEach((el) => delete el.dataset.ndplayMeasured));
  for (let i = 1; i <= MAX_SHOTS; i++) {
    await page.waitForTimeout(400); // outputs scrolled into view get painted
    const file = `${base}-${String(i).padStart(2, '0')}.png`;
    const shot = await page.screenshot({ path: file });
    files.push(file);
    if (measure) panels.push(...(await measureScreen(page, shot, file)));
    const more = await page.evaluate(() => {
      const el = document.querySelector('[data-ndplay-scroller]');
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 2) return false;
      el.scrollTop += el.clientHeight - 80; // a little overlap between screens
      return true;
    });
    if (!more) break;
  }
  if (!measure) return files;
  const bright = panels.filter((p) => p.share >= BRIGHT_SHARE);
  return { files, panels, bright };
}

/**
 * Which of the screens notebookShots took (0-based) first shows the cell with index
 * `index`: the scroller moves by its height less 80 px a screen.
 */
async function screenOfCell(page, index) {
  if (index < 0) return -1;
  return page.evaluate((index) => {
    const el = document.querySelector('[data-ndplay-scroller]');
    const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
    const top = cell.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
    return Math.max(0, Math.floor(top / (el.clientHeight - 80)));
  }, index);
}

/** Scrolls notebookShots' scroller so that cell `index` starts `margin` px below its top. */
async function scrollCellToTop(page, index, margin) {
  await page.evaluate(([index, margin]) => {
    const el = document.querySelector('[data-ndplay-scroller]');
    const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
    el.scrollTop += cell.getBoundingClientRect().top - el.getBoundingClientRect().top - margin;
  }, [index, margin]);
}

async function setTheme(page, theme) {
  await page.evaluate((name) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: name }), theme);
  await page.waitForFunction((name) => document.body.dataset.jpThemeName === name, theme, { timeout: 30_000 });
  await page.waitForTimeout(700); // theme CSS applied and re-laid-out
}

const shotName = (nb, suffix) => path.join(ARTIFACTS, `${nb.replace(/\.ipynb$/, '')}-${suffix}`);

// numbers in an array's text/plain, e.g. "array![[0.33333333, 1.  ], ..." -> ["0.33333333", "1."]
const numbersOf = (s) => (s.match(/-?\d+(?:\.\d*)?(?:e[+-]?\d+)?/g) || []);

// Whether a stored output (nbformat JSON) is a picture: an image, or HTML that holds one.
const joined = (v) => (Array.isArray(v) ? v.join('') : v ?? '');
const isPicture = (o) => {
  const d = o.data || {};
  return 'image/svg+xml' in d || 'image/png' in d || /<svg|<img/.test(joined(d['text/html']));
};

/**
 * The pictures of the outputs with index `which` ([cell index, output index] pairs) as the
 * student sees them: for each, whether an `<img>` (loaded) or an `<svg>` is visible, which.
 */
async function shownPictures(page, which) {
  return page.evaluate((which) => {
    const cells = window.jupyterapp.shell.currentWidget.content.widgets;
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) return false;
      for (let e = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.display === 'none' || cs.visibility === 'hidden') return false;
      }
      return true;
    };
    return which.map(([c, o]) => {
      const area = cells[c]?.node.querySelector('.jp-Cell-outputArea');
      const child = area?.querySelectorAll(':scope > .jp-OutputArea-child')[o];
      if (!child) return { shown: null };
      const imgs = [...child.querySelectorAll('img')].filter((i) => visible(i) && i.naturalWidth > 0);
      const svgs = [...child.querySelectorAll('svg')].filter(visible);
      return { shown: imgs.length ? 'img' : svgs.length ? 'svg' : null, imgs: imgs.length, svgs: svgs.length };
    });
  }, which);
}

/**
 * Measures, on the screen just photographed (`shot`, a PNG buffer of the viewport), every
 * output panel not measured yet that this screen shows whole (or, for panels taller than
 * the notebook's view, from their top): each picture (a visible `<img>` or outermost
 * `<svg>`) and each output without one, of at least MIN_PANEL_AREA. The pixels are read back
 * in the page through a canvas; a panel's share is the part of its pixels that are bright.
 */
async function measureScreen(page, shot, file) {
  return page.evaluate(async ({ data, threshold, minArea, file }) => {
    const scroller = document.querySelector('[data-ndplay-scroller]').getBoundingClientRect();
    const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    const todo = [];
    for (const o of document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')) {
      const pictures = [...o.querySelectorAll('img, svg')].filter((el) => shown(el) && !el.parentElement.closest('svg'));
      for (const el of pictures.length ? pictures : [o]) {
        if (el.dataset.ndplayMeasured) continue;
        const r = el.getBoundingClientRect();
        if (r.width * r.height < minArea) continue;
        const whole = r.top >= scroller.top && r.bottom <= scroller.bottom;
        const tall = r.height > scroller.height && r.top >= scroller.top && r.top < scroller.bottom;
        if (!whole && !tall) continue;
        el.dataset.ndplayMeasured = '1';
        const top = Math.max(r.top, scroller.top);
        const bottom = Math.min(r.bottom, scroller.bottom);
        todo.push({ el, x: Math.max(0, Math.round(r.left)), y: Math.round(top), w: Math.round(Math.min(r.width, innerWidth - r.left)), h: Math.round(bottom - top) });
      }
    }
    if (!todo.length) return [];
    const img = new Image();
    img.src = `data:image/png;base64,${data}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return todo.filter((t) => t.w > 0 && t.h > 0).map(({ el, x, y, w, h }) => {
      const px = ctx.getImageData(x, y, w, h).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (0.2126 * lin(px[i]) + 0.7152 * lin(px[i + 1]) + 0.0722 * lin(px[i + 2]) >= threshold) n++;
      }
      return {
        cell: cells.indexOf(el.closest('.jp-Cell')),
        element: el.tagName.toLowerCase(),
        mime: el.closest('[data-mime-type]')?.dataset.mimeType,
        share: Number((n / (px.length / 4)).toFixed(2)),
        size: { w, h },
        file,
      };
    });
  }, { data: shot.toString('base64'), threshold: BRIGHT_PIXEL, minArea: MIN_PANEL_AREA, file });
}

/** What is wrong with cells after Run All (`cells` from inspectCells), in `client`. */
function ranCellProblems(cells, client) {
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
      if (o.mimes.includes('image/svg+xml')) seen.svg++;
      if (o.mimes.includes('text/html') && r.mime !== 'text/html') {
        problems.push(`${where}: has text/html but ${client} showed ${r.mime}`);
      }
    }
  }
  return problems;
}

/**
 * Runs every cell of the open notebook `nb` once its kernel is idle, and waits until they
 * are done; returns inspectCells' view of them. `client` names the artifacts.
 */
async function runAll(t, page, nb, client) {
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
  fs.writeFileSync(`${shotName(nb, `${client}-cells`)}.json`, JSON.stringify(cells, null, 1));
  const messages = await page.evaluate(() => window.__ndplayMessages);
  fs.writeFileSync(`${shotName(nb, `${client}-messages`)}.json`, JSON.stringify(messages, null, 1));
  const requests = messages.filter((m) => m.type === 'execute_request');
  const replies = messages.filter((m) => m.type === 'execute_reply');
  const byStatus = {};
  for (const r of replies) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
  t.diagnostic(`${requests.length} execute_requests sent, replies: ${JSON.stringify(byStatus)}`);
  return cells;
}

// ---------------------------------------------------------------------------------------
// tests

test('the lesson notebooks are there', (t) => {
  assert.ok(
    LESSONS.length > 0,
    'no lesson notebook in notebooks/ (issue 7 needs lesson 1: notebooks/01a-*.ipynb)',
  );
  assert.ok(LESSONS.some((n) => n.startsWith('01a-')), `no lesson 1 among ${LESSONS.join(', ')}`);
  for (const l of LESSONS) assert.ok(NOTEBOOKS.includes(l), `${l} not copied into the lab root`);
  const lesson1 = LESSONS.find((n) => n.startsWith('01a-'));
  const bytes = fs.statSync(path.join(REPO_ROOT, 'notebooks', lesson1)).size;
  quoted.push(`${lesson1}: ${bytes} bytes on disk (at most ${MAX_LESSON1_BYTES})`);
  t.diagnostic(quoted.at(-1));
  assert.ok(bytes < MAX_LESSON1_BYTES, `${lesson1} has ${bytes} bytes on disk; at most ${MAX_LESSON1_BYTES}`);
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
  // A student's JupyterLab: no Nbgrader menu (run.sh disables nbgrader's lab extension, as
  // scripts/lab.sh does), so the screenshots in docs/screenshots/ show none of its panels.
  const menus = await page.evaluate(() => document.querySelector('#jp-MainMenu')?.innerText || '');
  assert.match(menus, /File/, `no main menu found: ${JSON.stringify(menus)}`);
  assert.doesNotMatch(menus, /nbgrader/i, `nbgrader's menu is in the student's JupyterLab: ${JSON.stringify(menus)}`);
});

for (const nb of NOTEBOOKS) {
  test(`${nb}: stored outputs are readable before running (untrusted)`, { timeout: 300_000 }, async (t) => {
    const stored = JSON.parse(fs.readFileSync(path.join(LAB_ROOT, nb), 'utf8'));
    const storedOutputs = stored.cells.filter((c) => c.cell_type === 'code').reduce((n, c) => n + c.outputs.length, 0);
    assert.ok(storedOutputs > 0, `${nb} has no stored outputs: lessons are committed with their outputs`);
    const page = await openLab(t, `/lab/tree/${encodeURIComponent(nb)}?reset`);
    await notebookReady(page, nb);
    await page.waitForTimeout(500);
    const cells = await inspectCells(page);
    await notebookShots(page, shotName(nb, 'untrusted'));
    const problems = [];
    // The stored pictures, and whether each is visible before anything runs.
    const code = stored.cells.map((c, i) => [c, i]).filter(([c]) => c.cell_type === 'code');
    const pictures = code.flatMap(([c, i]) => c.outputs.map((o, k) => [o, i, k]).filter(([o]) => isPicture(o)).map(([, i2, k]) => [i2, k]));
    const shown = await shownPictures(page, pictures);
    const visiblePictures = shown.filter((p) => p.shown).length;
    seen.untrustedPictures += visiblePictures;
    quoted.push(`${nb} untrusted (as stored, nothing run): ${visiblePictures} of ${pictures.length} stored pictures shown`);
    t.diagnostic(`untrusted: ${visiblePictures} of ${pictures.length} stored pictures shown (${JSON.stringify(shown.reduce((n, p) => ({ ...n, [p.shown]: (n[p.shown] || 0) + 1 }), {}))})`);
    fs.writeFileSync(`${shotName(nb, 'untrusted-pictures')}.json`, JSON.stringify(pictures.map((p, i) => [...p, shown[i]]), null, 1));
    if (pictures.length && visiblePictures < MIN_UNTRUSTED_PICTURES * pictures.length) {
      const missing = pictures.filter((_, i) => !shown[i].shown).map(([c, o]) => `cell ${c} output ${o}`);
      problems.push(`only ${visiblePictures} of ${pictures.length} stored pictures are shown untrusted (at least ${MIN_UNTRUSTED_PICTURES * 100} % must be); not shown: ${missing.join(', ')}`);
    }
    // Dark and untrusted: measured and reported (the PNG twins are in JupyterLab Light's colours).
    await setTheme(page, 'JupyterLab Dark');
    try {
      const { panels, bright } = await notebookShots(page, shotName(nb, 'untrusted-dark'), { measure: true });
      quoted.push(`${nb} untrusted in JupyterLab Dark (not required): ${bright.length} bright panels of ${panels.length} outputs measured`);
      t.diagnostic(`untrusted in JupyterLab Dark: ${bright.length} bright panels of ${panels.length} outputs measured`);
      fs.writeFileSync(`${shotName(nb, 'untrusted-dark-panels')}.json`, JSON.stringify(panels, null, 1));
    } finally {
      await setTheme(page, 'JupyterLab Light');
    }
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
    const cells = await runAll(t, page, nb, 'lab');
    const light = await notebookShots(page, shotName(nb, 'light'));
    const problems = [];
    // Once run, every picture is the live one: the inline SVG, not the PNG twin.
    const livePictures = cells.flatMap((c) => (c.type === 'code' ? c.outputs.map((o, k) => [c, o, k]) : []))
      .filter(([, o]) => o.mimes.includes('image/svg+xml')).map(([c, , k]) => [c.index, k]);
    const live = await shownPictures(page, livePictures);
    seen.livePictures += live.filter((p) => p.shown === 'svg').length;
    for (const [i, p] of live.entries()) {
      if (p.shown !== 'svg' || p.imgs) problems.push(`cell ${livePictures[i][0]} output ${livePictures[i][1]}: after running it shows ${JSON.stringify(p)}, not the inline SVG alone`);
    }
    await setTheme(page, 'JupyterLab Dark');
    let dark;
    try {
      const measured = await notebookShots(page, shotName(nb, 'dark'), { measure: true });
      dark = measured.files;
      const { panels, bright } = measured;
      seen.panelsMeasured += panels.length;
      quoted.push(`${nb} in JupyterLab Dark after Run All: ${bright.length} bright panels of ${panels.length} outputs measured (largest share of bright pixels: ${Math.max(0, ...panels.map((p) => p.share))})`);
      t.diagnostic(quoted.at(-1));
      fs.writeFileSync(`${shotName(nb, 'dark-panels')}.json`, JSON.stringify(panels, null, 1));
      for (const b of bright) problems.push(`cell ${b.cell} (${b.element} in ${b.mime}): a bright panel in JupyterLab Dark (${b.share * 100} % bright pixels, on ${b.file})`);
    } finally {
      await setTheme(page, 'JupyterLab Light'); // settings persist across pages
    }
    if (/^01[a-z]-/.test(nb) && process.env.NDPLAY_UPDATE_SCREENSHOT === '1') {
      // Lesson 1 comes in parts: the first screen of the first part, and the first screen
      // that shows a failed broadcast (in part 01b).
      const failing = cells.findIndex((c) => c.type === 'code' && c.outputs.some((o) => o.type === 'error' && o.ename === 'ShapeError'));
      const screen = failing >= 0 ? await screenOfCell(page, failing) : -1;
      const dir = path.join(REPO_ROOT, 'docs/screenshots');
      fs.mkdirSync(dir, { recursive: true });
      if (nb === LESSON1) {
        fs.copyFileSync(light[0], path.join(dir, 'lesson1-light.png'));
        fs.copyFileSync(dark[0], path.join(dir, 'lesson1-dark.png'));
      }
      if (screen >= 0) {
        // Its own screen, in each theme: the failing cell at the top (with the sentence before
        // it), then its explanation, the ShapeError and the fix with its badge below.
        for (const [theme, file] of [['JupyterLab Light', 'broadcast-light.png'], ['JupyterLab Dark', 'broadcast-dark.png']]) {
          await setTheme(page, theme);
          await scrollCellToTop(page, failing, 60);
          await page.waitForTimeout(600);
          await page.screenshot({ path: path.join(dir, file) });
        }
        await setTheme(page, 'JupyterLab Light');
      }
    }

    problems.push(...ranCellProblems(cells, 'JupyterLab'));
    assert.deepEqual(problems, [], problems.join('\n'));
  });
}

// Notebook 7 (`notebook` from PyPI) is the other client students use; the same server
// serves it at /notebooks/<path>.
test(`${LESSON1}: run all cells in Notebook 7`, { timeout: 30 * 60_000 }, async (t) => {
  const page = await openLab(t, `/notebooks/${encodeURIComponent(LESSON1)}`);
  assert.equal(await page.evaluate(() => window.jupyterapp.name), 'Jupyter Notebook', 'not the Notebook 7 interface');
  await notebookReady(page, LESSON1);
  const cells = await runAll(t, page, LESSON1, 'notebook7');
  await notebookShots(page, shotName(LESSON1, 'notebook7'));
  const problems = ranCellProblems(cells, 'Notebook 7');
  const pictures = cells.flatMap((c) => (c.type === 'code' ? c.outputs.map((o, k) => [c, o, k]) : []))
    .filter(([, o]) => o.mimes.includes('image/svg+xml')).map(([c, , k]) => [c.index, k]);
  const live = await shownPictures(page, pictures);
  t.diagnostic(`Notebook 7: ${live.filter((p) => p.shown === 'svg').length} of ${pictures.length} pictures shown as inline SVG`);
  for (const [i, p] of live.entries()) {
    if (p.shown !== 'svg') problems.push(`cell ${pictures[i][0]} output ${pictures[i][1]}: Notebook 7 shows ${JSON.stringify(p)}`);
  }
  const errors = cells.filter((c) => c.type === 'code' && c.outputs.some((o) => o.type === 'error'));
  const intended = errors.filter((c) => c.tags.includes(ALLOW_ERROR_TAG));
  quoted.push(`${LESSON1} in Notebook 7: ${cells.filter((c) => c.type === 'code' && c.executionCount != null).length} code cells ran; `
    + `${errors.length} raised (${intended.length} of them tagged ${ALLOW_ERROR_TAG}); ${problems.length} problems`);
  t.diagnostic(quoted.at(-1));
  assert.ok(pictures.length > 0, 'no picture in lesson 1 after running it in Notebook 7');
  assert.deepEqual(problems, [], problems.join('\n'));
});

test('HTML outputs and pictures were seen at all', (t) => {
  for (const line of quoted) t.diagnostic(line);
  assert.ok(seen.html > 0, 'no text/html output rendered in any notebook');
  assert.ok(seen.svg > 0, 'no picture (an output with image/svg+xml) in any notebook');
  assert.ok(seen.livePictures > 0, 'no picture shown as inline SVG after running');
  assert.ok(seen.untrustedPictures > 0, 'no stored picture shown in the untrusted view');
  assert.ok(seen.untrustedArrays > 0, 'no stored array output checked in the untrusted view');
  assert.ok(seen.panelsMeasured > 0, 'no output measured for bright panels in JupyterLab Dark');
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

// ---------------------------------------------------------------------------------------
// widgets (issue 14): a real slider in JupyterLab, key-stepped, and a page reload

// The fixture is copied in by this test, after NOTEBOOKS was listed, so the per-notebook
// tests above do not run it.
const WIDGETS_FIXTURE = 'widgets.ipynb';
// How many moves are timed, and the goal for the median (issue 14: "within 100 ms").
const TIMED_MOVES = 20;
const MOVE_GOAL_MS = 100;
// The Output widget's node in jupyterlab_widgets (OutputView), a slider's handle and readout.
const OUTPUT_AREA = '.widget-output';
const SLIDER_HANDLE = '.noUi-handle';
const SLIDER_READOUT = '.widget-readout';

// Whether `text` shows the number `want` (the array view writes 9801 as 9.801e+03, with
// four significant digits, so a match is one within 0.1 %; the 100x100 closure's largest
// value, 9801 * s, differs by more than that from everything the previous step showed).
const NUMBER_PATTERN = /-?\d+(?:\.\d*)?(?:e[+-]?\d+)?/g;
const showsValue = (text, want) => (text.match(NUMBER_PATTERN) || []).some((n) => Math.abs(Number(n) - want) <= Math.abs(want) * 1e-3);

/** What cell `i` shows of its widgets: the sliders' readouts and the output area's text. */
async function widgetsOf(page, i) {
  return page.evaluate(({ i, OUTPUT_AREA, SLIDER_READOUT }) => {
    const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
    const area = node.querySelector('.jp-Cell-outputArea');
    return {
      readouts: [...node.querySelectorAll(SLIDER_READOUT)].map((r) => r.innerText.trim()),
      output: [...node.querySelectorAll(OUTPUT_AREA)].map((o) => o.innerText.trim()).join('\n'),
      text: area?.innerText.trim().slice(0, 300) ?? '',
    };
  }, { i, OUTPUT_AREA, SLIDER_READOUT });
}

/** Waits until cell `i` shows `readout` on its slider and an output area that `want` accepts. */
async function waitWidgets(page, i, readout, want, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let seenNow;
  while (Date.now() < deadline) {
    seenNow = await widgetsOf(page, i);
    if (seenNow.readouts.includes(readout) && want(seenNow.output)) return seenNow;
    await page.waitForTimeout(100);
  }
  const file = path.join(ARTIFACTS, `widgets-${Date.now()}.png`);
  await page.screenshot({ path: file }).catch(() => {});
  throw new Error(`${what}: cell ${i} shows ${JSON.stringify(seenNow)} after ${timeout / 1000} s (screenshot ${file})`);
}

/** Makes cell `i` the active one and runs it (not awaited: the command settles late). */
async function runCellAt(page, i) {
  await page.evaluate((i) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = i;
    void window.jupyterapp.commands.execute('notebook:run-cell');
  }, i);
}

/**
 * Presses ArrowRight on the focused slider handle of cell `i` and returns, in ms of the
 * page's clock, the time from the keydown to the output area's text showing `want`
 * (the DOM changed) and to the next animation frame after that (it is painted).
 */
async function timedKeyStep(page, i, want) {
  await page.evaluate(({ i, want, OUTPUT_AREA, pattern }) => {
    const re = new RegExp(pattern, 'g');
    const shows = (text) => (text.match(re) || []).some((n) => Math.abs(Number(n) - want) <= Math.abs(want) * 1e-3);
    const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
    const move = (window.__ndplayMove = { t0: null, dom: null, frame: null });
    document.addEventListener('keydown', () => { move.t0 = performance.now(); }, { capture: true, once: true });
    const holds = () => [...node.querySelectorAll(OUTPUT_AREA)].some((o) => shows(o.innerText));
    const observer = new MutationObserver(() => {
      if (move.t0 == null || move.dom != null || !holds()) return;
      move.dom = performance.now();
      observer.disconnect();
      requestAnimationFrame(() => { move.frame = performance.now(); });
    });
    observer.observe(node, { subtree: true, childList: true, characterData: true });
  }, { i, want, OUTPUT_AREA, pattern: NUMBER_PATTERN.source });
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.__ndplayMove.frame != null, null, { timeout: 10_000, polling: 20 })
    .catch(async () => {
      throw new Error(`no output showing ${want} within 10 s of the key press: ${JSON.stringify(await widgetsOf(page, i))}`);
    });
  const { t0, dom, frame } = await page.evaluate(() => window.__ndplayMove);
  return { dom: dom - t0, frame: frame - t0 };
}

// The same order statistics as tests/tools/widget_moves.py.
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
};

test('widgets: a key-stepped slider reruns interact, the move is timed, and a reload shows the widgets again', { timeout: 900_000 }, async (t) => {
  fs.copyFileSync(path.join(import.meta.dirname, 'fixtures', WIDGETS_FIXTURE), path.join(LAB_ROOT, WIDGETS_FIXTURE));
  const page = await openLab(t, `/lab/tree/${WIDGETS_FIXTURE}?reset`);
  await notebookReady(page, WIDGETS_FIXTURE);
  await kernelIdle(page, 180_000);
  await page.evaluate(() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); });
  await waitForCells(page, 300_000);
  // Cell 1: interact(&n, |n| n * 7) with n at 3.
  await waitWidgets(page, 1, '3', (o) => o === '21', 'the first interact after running');
  await waitWidgets(page, 2, '1', (o) => showsValue(o, 9801), 'the 100x100 interact after running');
  assert.match((await widgetsOf(page, 3)).text, /\b3\b/, 'n.value() in a later cell');

  step('key-stepping the slider of interact(&n, |n| n * 7)');
  await page.locator('.jp-Notebook .jp-Cell').nth(1).locator(SLIDER_HANDLE).first().focus();
  await page.keyboard.press('ArrowRight');
  await waitWidgets(page, 1, '4', (o) => o === '28', 'after one ArrowRight on n');
  // The kernel kept the browser's value: a later cell reads it.
  await runCellAt(page, 3);
  await page.waitForFunction(() => /\b4\b/.test(window.jupyterapp.shell.currentWidget.content.widgets[3].node.querySelector('.jp-Cell-outputArea')?.innerText || ''), null, { timeout: 60_000 });
  // Cell 4 panics for 1: the panic shows in its output area, and the slider goes on.
  await waitWidgets(page, 4, '0', (o) => o === '0', 'the panicking interact after running');
  await page.locator('.jp-Notebook .jp-Cell').nth(4).locator(SLIDER_HANDLE).first().focus();
  await page.keyboard.press('ArrowRight');
  await waitWidgets(page, 4, '1', (o) => /panic: no ones here/.test(o), 'a move whose closure panics');
  await page.keyboard.press('ArrowRight');
  await waitWidgets(page, 4, '2', (o) => o === '20', 'the move after the panic');
  await page.screenshot({ path: path.join(ARTIFACTS, 'widgets-moved.png') });

  step(`timing ${TIMED_MOVES} moves of the 100x100 interact`);
  await page.locator('.jp-Notebook .jp-Cell').nth(2).locator(SLIDER_HANDLE).first().focus();
  const times = [];
  for (let s = 2; s <= TIMED_MOVES + 1; s++) {
    const m = await timedKeyStep(page, 2, 9801 * s);
    times.push(m);
    await waitIdle(page, 10_000); // the next move starts from an idle kernel, as a student's does
  }
  await waitWidgets(page, 2, String(TIMED_MOVES + 1), (o) => showsValue(o, 9801 * (TIMED_MOVES + 1)), 'after the timed moves');
  const dom = times.map((m) => m.dom);
  const frame = times.map((m) => m.frame);
  const line = `widget move -> new 100x100 output in JupyterLab (Chromium, ${TIMED_MOVES} key steps): `
    + `in the DOM median ${median(dom).toFixed(1)} ms, p95 ${p95(dom).toFixed(1)} ms; `
    + `painted (next frame) median ${median(frame).toFixed(1)} ms, p95 ${p95(frame).toFixed(1)} ms`;
  quoted.push(line);
  t.diagnostic(line);
  step(line);
  fs.writeFileSync(path.join(ARTIFACTS, 'widget-moves.json'), JSON.stringify(times, null, 1));
  assert.ok(median(frame) < MOVE_GOAL_MS, `${line}: the median is over the ${MOVE_GOAL_MS} ms goal`);

  step('saving and reloading the page');
  await page.evaluate(() => window.jupyterapp.commands.execute('docmanager:save'));
  await page.reload({ waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(() => window.jupyterapp?.shell, null, { timeout: 60_000 });
  await page.evaluate(() => window.jupyterapp.restored);
  await notebookReady(page, WIDGETS_FIXTURE);
  // The same kernel, so the widgets come back from its state (request_states) with the
  // values the student left them at.
  const restored = await waitWidgets(page, 1, '4', (o) => o === '28', 'after the reload', 60_000);
  await waitWidgets(page, 2, String(TIMED_MOVES + 1), (o) => showsValue(o, 9801 * (TIMED_MOVES + 1)), 'the 100x100 interact after the reload', 60_000);
  assert.doesNotMatch(restored.text, /Error displaying widget/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'widgets-reloaded.png') });
  // And they are live: one more step reruns the closure.
  await page.locator('.jp-Notebook .jp-Cell').nth(1).locator(SLIDER_HANDLE).first().focus();
  await page.keyboard.press('ArrowRight');
  await waitWidgets(page, 1, '5', (o) => o === '35', 'a step after the reload');
});
