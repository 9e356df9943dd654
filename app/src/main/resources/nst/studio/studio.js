// nst studio page logic: choose images and a method, start a job, follow it over SSE, draw the loss curves, step through saved
// iterations; an AdaIN job's result is a preview that "Refine with Gatys" sends as the initial image of a Gatys job.
// Plain browser JavaScript, no libraries, no build step. Leaves out retries of failed requests and job history across reloads.
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  contentExample: 'tubingen', contentFile: null,
  styleExamples: new Set(['starry_night']), styleFiles: [], masks: new Map(),
  job: null, events: null, history: [], iterations: 0, saved: [], inspecting: false, inspectWanted: null,
};
const TERMS = [['total', '#1f2430'], ['content', '#2a7ae0'], ['style', '#e0702a'], ['tv', '#3aa65b']];

// ---------------------------------------------------------------- messages

function showMessage(text, isError) {
  const m = $('message');
  m.textContent = text;
  m.className = isError ? 'error' : '';
  m.hidden = !text;
}

/** The user-facing text of an API error reply, with a hint per status. */
async function errorText(resp) {
  let msg = `HTTP ${resp.status}`;
  try { const j = await resp.json(); if (j.error) msg = j.error; } catch (e) { /* not JSON */ }
  const what = { 400: 'Bad option', 404: 'Not found', 413: 'Upload too large', 415: 'Not a usable image', 429: 'Server busy' }[resp.status];
  return what ? `${what}: ${msg}` : msg;
}

// ---------------------------------------------------------------- picking images

async function loadExamples() {
  const resp = await fetch('/api/examples');
  const list = await resp.json();
  for (const ex of list) {
    const c = document.createElement('img');
    c.src = ex.url; c.alt = c.title = ex.name; c.dataset.name = ex.name;
    c.onclick = () => { state.contentExample = ex.name; state.contentFile = null; $('content-file').value = ''; renderChoice(); };
    $('content-examples').appendChild(c);
    const s = c.cloneNode();
    s.onclick = () => {
      if (state.styleExamples.has(ex.name)) state.styleExamples.delete(ex.name); else state.styleExamples.add(ex.name);
      renderChoice();
    };
    $('style-examples').appendChild(s);
  }
  renderChoice();
}

/** The style images in the order the server takes them (uploads, then examples): masks pair with them in this order. */
function styleList() {
  return [...state.styleFiles.map((f, i) => ({ key: `file:${i}:${f.name}`, label: f.name + ' (upload)' })),
          ...[...state.styleExamples].map(n => ({ key: 'example:' + n, label: n }))];
}

function renderChoice() {
  for (const img of $('content-examples').children) img.classList.toggle('selected', !state.contentFile && img.dataset.name === state.contentExample);
  for (const img of $('style-examples').children) img.classList.toggle('selected', state.styleExamples.has(img.dataset.name));
  $('content-chosen').textContent = 'content: ' + (state.contentFile ? state.contentFile.name + ' (upload)' : state.contentExample || 'none');
  const styles = styleList();
  $('style-chosen').textContent = 'style: ' + (styles.length ? styles.map(s => s.label).join(', ') : 'none');
  renderMasks(styles);
}

/** One optional mask upload per style image (white = that style's region); a mask stays with its style. */
function renderMasks(styles) {
  const box = $('masks');
  for (const k of [...state.masks.keys()]) if (!styles.some(s => s.key === k)) state.masks.delete(k);
  box.innerHTML = '<div>Masks <small>(optional: one per style, white = where that style goes; not with Style blend or Tile)</small></div>';
  for (const s of styles) {
    const row = document.createElement('div');
    row.className = 'mask-row';
    const name = document.createElement('span');
    name.textContent = s.label;
    const input = document.createElement('input');
    input.type = 'file'; input.accept = 'image/*'; input.className = 'mask-file'; input.dataset.key = s.key;
    const chosen = document.createElement('span');
    chosen.textContent = state.masks.has(s.key) ? 'mask: ' + state.masks.get(s.key).name : '';
    input.addEventListener('change', () => {
      if (input.files[0]) state.masks.set(s.key, input.files[0]); else state.masks.delete(s.key);
      chosen.textContent = state.masks.has(s.key) ? 'mask: ' + state.masks.get(s.key).name : '';
    });
    row.append(name, input, chosen);
    box.appendChild(row);
  }
}

$('content-file').addEventListener('change', (e) => {
  state.contentFile = e.target.files[0] || null;
  renderChoice();
});
$('style-files').addEventListener('change', (e) => {
  state.styleFiles = [...e.target.files];
  renderChoice();
});

// ---------------------------------------------------------------- options: defaults, ranges and help from the catalogue

// GET /api/options describes every option the form takes (nst.engine.TransferOption); the page spells none of them.
const catalogue = { options: [], autoWeights: {}, page: {}, shown: new Map() };  // shown: field -> the default last filled in

/** The method chosen: 'gatys' (the optimisation) or 'adain' (one feed-forward pass). */
function method() { return $('options').elements.method.value || 'gatys'; }

/** Whether a form field means something for the method chosen (the catalogue says per option; fields it does not list always do). */
function applies(field, m) {
  const o = catalogue.options.find(x => x.field === field);
  return !o || !o.methods || o.methods.includes(m || method());
}

/** Shows the options of the method chosen and hides the others (the server refuses an option its method ignores). */
function applyMethod() {
  const m = method();
  for (const el of $('options').elements) {
    if (!el.name || el.name === 'method') continue;
    const box = el.closest('label') || el;
    box.hidden = !applies(el.name, m);
  }
  const w = $('options').elements.weights;
  w.options[0].textContent = m === 'adain'
    ? (catalogue.autoWeights.adain === 'pretrained' ? 'auto (the installed AdaIN weights)' : 'auto (AdaIN weights not installed here)')
    : 'auto (pretrained if installed)';
  if (m === 'adain' && catalogue.autoWeights.adain !== 'pretrained' && w.value === 'auto' && !state.weightsTouched) w.value = 'random';
  $('start').textContent = m === 'adain' ? 'Preview (AdaIN)' : 'Start';
}

/** What the weights chosen are on this server: 'pretrained' or 'random' ('auto' is pretrained where the file is installed). */
function weightsKind() {
  const f = $('options').elements;
  return f.weights.value === 'random' ? 'random' : (catalogue.autoWeights[f.model.value] || 'random');
}

/** Fills each field with its default for the model and weights chosen (some defaults depend on them), unless the user changed it. */
function fillDefaults() {
  const f = $('options').elements;
  const kind = weightsKind();
  for (const o of catalogue.options) {
    const el = f[o.field];
    const value = catalogue.page[o.field] ?? o.defaults.byModel?.[f.model.value]?.[kind] ?? o.defaults[kind];
    if (!el || el.type === 'file' || value == null) continue;
    const untouched = !catalogue.shown.has(o.field)
      || (el.type === 'checkbox' ? String(el.checked) : el.value) === catalogue.shown.get(o.field);
    if (untouched) { if (el.type === 'checkbox') el.checked = value === 'true'; else el.value = value; }
    catalogue.shown.set(o.field, value);
  }
}

async function loadOptions() {
  const d = await (await fetch('/api/options')).json();
  Object.assign(catalogue, { options: d.options, autoWeights: d.autoWeights, page: d.page });
  const f = $('options').elements;
  for (const o of d.options) {
    const el = f[o.field];
    if (!el) continue;
    el.title = o.help;
    if (el.tagName === 'SELECT' && o.choices) for (const c of o.choices) el.add(new Option(c, c));
    if (el.type === 'number' && o.min !== undefined && !o.minExclusive) el.min = o.min;
    const max = d.limits[o.field] ?? o.max;
    if (el.type === 'number' && max !== undefined) el.max = max;
  }
  fillDefaults();
  f.weights.addEventListener('change', () => { state.weightsTouched = true; fillDefaults(); });
  f.model.addEventListener('change', fillDefaults);
  f.method.addEventListener('change', applyMethod);
  applyMethod();
  $('options').dataset.loaded = 'true';
}

// ---------------------------------------------------------------- starting and cancelling

/** The job form: the images, and the options that mean something for the method chosen; initImage replaces the form's initial image. */
function jobForm(initImage) {
  const fd = new FormData();
  const m = method();
  if (state.contentFile) fd.append('content', state.contentFile);
  else if (state.contentExample) fd.append('contentExample', state.contentExample);
  for (const f of state.styleFiles) fd.append('style', f);
  for (const n of state.styleExamples) fd.append('styleExample', n);
  for (const s of styleList()) if (state.masks.has(s.key)) fd.append('mask', state.masks.get(s.key));
  for (const el of $('options').elements) {
    if (!el.name || !applies(el.name, m)) continue;
    if (el.type === 'file') { if (!(initImage && el.name === 'initImage')) for (const f of el.files) fd.append(el.name, f); continue; }
    if (el.type === 'checkbox') { if (el.checked) fd.append(el.name, el.value); continue; }
    if (el.value.trim() !== '') fd.append(el.name, el.value.trim());
  }
  if (initImage) fd.append('initImage', initImage, 'adain-preview.png');
  return fd;
}

$('start').addEventListener('click', () => submit(jobForm(null)));

// Refine with Gatys: the AdaIN preview, as the page shows it, becomes the initial image of a Gatys job with the same images.
$('refine').addEventListener('click', async () => {
  if (!state.preview) return;
  let blob;
  try {
    blob = await (await fetch(state.preview)).blob();
  } catch (e) {
    showMessage('Could not read the preview: ' + e, true);
    return;
  }
  $('options').elements.method.value = 'gatys';
  applyMethod();
  await submit(jobForm(blob));
});

async function submit(fd) {
  $('start').disabled = true;
  $('refine').hidden = true;
  showMessage('Uploading…', false);
  let resp;
  try {
    resp = await fetch('/api/jobs', { method: 'POST', body: fd });
  } catch (e) {
    showMessage('Could not reach the server: ' + e, true);
    $('start').disabled = false;
    return;
  }
  if (resp.status !== 202) {
    showMessage(await errorText(resp), true);
    $('start').disabled = false;
    return;
  }
  const job = await resp.json();
  showMessage('Job ' + job.id + ' queued.', false);
  follow(job.id);
}

$('cancel').addEventListener('click', async () => {
  if (!state.job) return;
  const resp = await fetch('/api/jobs/' + state.job, { method: 'DELETE' });
  if (!resp.ok) showMessage(await errorText(resp), true);
  else showMessage('Cancelling…', false);
});

// ---------------------------------------------------------------- following a job over SSE

function follow(id) {
  if (state.events) state.events.close();
  Object.assign(state, { job: id, history: [], saved: [], iterations: 0 });
  $('cancel').disabled = false;
  $('download').classList.add('disabled');
  $('result-image').hidden = true;
  $('result-caption').textContent = '';
  $('inspect-layers').innerHTML = '';
  $('inspect-top').innerHTML = '';
  drawChart();
  const es = new EventSource(`/api/jobs/${id}/events`);
  state.events = es;
  es.addEventListener('progress', (e) => onProgress(JSON.parse(e.data)));
  es.addEventListener('image', (e) => {
    const d = JSON.parse(e.data);
    $('live-image').src = d.url;
    $('live-caption').textContent = `iteration ${d.iteration}`;
    if ($('follow').checked) inspect(d.iteration);
  });
  for (const end of ['done', 'failed', 'cancelled']) {
    es.addEventListener(end, (e) => { es.close(); onEnd(end, JSON.parse(e.data)); });
  }
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) showMessage('Lost the event stream; reload to reconnect.', true); };
  // The history so far (for a page that joins a running job).
  fetch('/api/jobs/' + id).then(r => r.json()).then(s => {
    for (const p of s.history || []) addPoint(p.iteration, p);
    drawChart();
  });
}

function addPoint(iteration, loss) {
  if (!iteration || state.history.some(p => p.iteration === iteration)) return;
  state.history.push({ iteration, total: loss.total, content: loss.content, style: loss.style, tv: loss.tv });
  state.history.sort((a, b) => a.iteration - b.iteration);
}

function clock(s) {
  s = Math.round(s);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function onProgress(d) {
  state.iterations = d.iterations;
  if (d.loss && d.loss.total !== undefined) addPoint(d.iteration, d.loss);
  setSaved(d.savedIterations || []);
  const perIt = d.iteration ? d.elapsed / d.iteration : 0;
  let s = d.method === 'adain' ? `${d.status} · AdaIN, one pass` : `${d.status} · iteration ${d.iteration}/${d.iterations}`;
  if (d.stage && d.stage.label) s += ` · ${d.stage.label} (${d.stage.tile ? 'tile' : 'scale'} iteration ${d.stage.iteration}/${d.stage.iterations})`;
  else if (d.width) s += ` · ${d.width}×${d.height}`;
  if (d.loss && d.loss.total !== undefined) s += ` · loss ${d.loss.total.toPrecision(4)}`;
  if (perIt) s += ` · ${perIt.toFixed(2)} s/it · ETA ${clock(d.eta)}`;
  if (d.backend) s += ` · ${d.backend}`;
  $('status').textContent = s;
  $('progress').max = d.iterations || 1;
  $('progress').value = d.iteration;
  drawChart();
}

function onEnd(kind, d) {
  onProgress(d);
  $('cancel').disabled = true;
  $('start').disabled = false;
  const adain = d.method === 'adain';
  state.preview = adain && d.result ? d.result : null;
  if (d.result) {
    const url = d.result + '?t=' + Date.now();
    $('result-image').src = url;
    $('result-image').hidden = false;
    $('result-caption').textContent = adain ? `AdaIN preview (one pass, ${d.elapsed.toFixed(1)} s)`
      : kind === 'done' ? `result after ${d.iteration} iterations` : `last good image (${kind})`;
    if (adain) { $('live-image').src = url; $('live-caption').textContent = 'AdaIN preview'; }
    $('download').href = d.result;
    $('download').classList.remove('disabled');
  }
  $('refine').hidden = !state.preview;
  if (kind === 'done' && adain) showMessage(`AdaIN preview in ${d.elapsed.toFixed(1)} s: refine it with Gatys, or change the options and preview again.`, false);
  else if (kind === 'done') showMessage(`Done in ${d.elapsed.toFixed(1)} s.`, false);
  else if (kind === 'cancelled') showMessage(`Cancelled at iteration ${d.iteration}.`, false);
  else showMessage('The job failed: ' + d.error, true);
  if (state.saved.length) inspect(state.saved[state.saved.length - 1]);
}

// ---------------------------------------------------------------- the loss chart (canvas, log scale)

function drawChart() {
  const c = $('loss-chart');
  const dpr = window.devicePixelRatio || 1;
  const w = c.clientWidth || 560, h = c.clientHeight || 240;
  c.width = w * dpr; c.height = h * dpr;
  const g = c.getContext('2d');
  g.scale(dpr, dpr);
  g.fillStyle = '#fff'; g.fillRect(0, 0, w, h);
  const L = 56, R = 10, T = 10, B = 24;
  const pts = state.history;
  const vals = pts.flatMap(p => TERMS.map(([k]) => p[k])).filter(v => v > 0);
  g.fillStyle = '#666'; g.font = '11px system-ui';
  if (!vals.length) { g.fillText('loss curves appear here', L, h / 2); return; }
  let lo = Math.floor(Math.log10(Math.min(...vals))), hi = Math.ceil(Math.log10(Math.max(...vals)));
  if (hi === lo) hi = lo + 1;
  const n = Math.max(state.iterations, pts[pts.length - 1].iteration, 2);
  const x = (i) => L + (w - L - R) * (i - 1) / Math.max(1, n - 1);
  const y = (v) => T + (h - T - B) * (hi - Math.log10(v)) / (hi - lo);
  g.strokeStyle = '#eee'; g.lineWidth = 1;
  for (let e = lo; e <= hi; e++) {
    g.beginPath(); g.moveTo(L, y(10 ** e)); g.lineTo(w - R, y(10 ** e)); g.stroke();
    g.fillText('1e' + e, 8, y(10 ** e) + 4);
  }
  g.fillText('iteration ' + n, w - R - 70, h - 6);
  g.fillText('1', L, h - 6);
  for (const [k, col] of TERMS) {
    g.strokeStyle = col; g.lineWidth = k === 'total' ? 2 : 1.4;
    g.beginPath();
    let started = false;
    for (const p of pts) {
      if (!(p[k] > 0)) continue;
      if (!started) { g.moveTo(x(p.iteration), y(p[k])); started = true; } else g.lineTo(x(p.iteration), y(p[k]));
    }
    g.stroke();
  }
  $('loss-legend').innerHTML = TERMS.map(([k, col]) => {
    const last = pts[pts.length - 1][k];
    return `<span><i style="background:${col}"></i>${k} ${last !== undefined ? Number(last).toPrecision(3) : ''}</span>`;
  }).join('');
}

// ---------------------------------------------------------------- step-through

function setSaved(list) {
  state.saved = list;
  const s = $('scrubber');
  const atEnd = +s.value >= +s.max;
  s.max = Math.max(0, list.length - 1);
  s.disabled = list.length === 0;
  if ($('follow').checked || atEnd) s.value = s.max;
}

$('scrubber').addEventListener('input', () => {
  const it = state.saved[+$('scrubber').value];
  $('follow').checked = +$('scrubber').value === +$('scrubber').max;
  if (it !== undefined) inspect(it);
});

/** Loads one saved iteration's step-through (one request at a time; the newest wish wins). */
async function inspect(iteration) {
  state.inspectWanted = iteration;
  if (state.inspecting) return;
  state.inspecting = true;
  try {
    while (state.inspectWanted !== null) {
      const it = state.inspectWanted;
      state.inspectWanted = null;
      const resp = await fetch(`/api/jobs/${state.job}/inspect?iteration=${it}`);
      if (!resp.ok) { showMessage(await errorText(resp), true); break; }
      renderInspect(await resp.json());
    }
  } finally {
    state.inspecting = false;
  }
}

function figure(src, caption, cls) {
  if (!src) return '';
  return `<figure><img src="${src}" class="${cls || ''}" alt="${caption}"><figcaption>${caption}</figcaption></figure>`;
}

/** A small SVG line of one layer's style loss over iterations, with a dot at the shown iteration. */
function sparkline(values, iterations, at) {
  const w = 180, h = 44;
  const v = values.map(Number).filter(x => x > 0);
  if (v.length < 2) return '';
  const lo = Math.log10(Math.min(...v)), hi = Math.max(Math.log10(Math.max(...v)), lo + 1e-9);
  const n = iterations.length;
  const px = (i) => 2 + (w - 4) * i / Math.max(1, n - 1);
  const py = (x) => 2 + (h - 4) * (hi - Math.log10(Math.max(x, 1e-30))) / (hi - lo);
  const d = values.map((x, i) => `${i ? 'L' : 'M'}${px(i).toFixed(1)},${py(x).toFixed(1)}`).join('');
  const k = iterations.indexOf(at);
  const dot = k >= 0 ? `<circle cx="${px(k)}" cy="${py(values[k])}" r="3" fill="#e0702a"/>` : '';
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><path d="${d}" fill="none" stroke="#1f2430" stroke-width="1.3"/>${dot}</svg>`;
}

function renderInspect(d) {
  const where = d.ready && d.stage && d.stage.label ? ` · ${d.stage.label}, its iteration ${d.stageIteration}` : '';
  $('scrub-label').textContent = d.ready ? `iteration ${d.iteration}${where} (saved: ${d.saved.join(', ')})` : 'no iteration saved yet';
  if (!d.ready) return;
  const k = state.saved.indexOf(d.iteration);
  if (k >= 0 && !$('follow').checked) $('scrubber').value = k;
  const l = d.loss;
  $('inspect-top').innerHTML = figure(d.image, `x at iteration ${d.iteration}`) + figure(d.gradient, '|∂L/∂x| (gradient)')
    + `<div class="meta">total ${l.total.toPrecision(4)}<br>content α·L<sub>c</sub> ${l.content.toPrecision(4)}<br>style β·L<sub>s</sub> ${l.style.toPrecision(4)}<br>tv γ·L<sub>tv</sub> ${l.tv.toPrecision(4)}</div>`;
  const hist = d.styleLossHistory;
  $('inspect-layers').innerHTML = d.layers.map(layer => {
    const role = [layer.content ? 'content layer' : '', layer.style ? 'style layer' : ''].filter(Boolean).join(' + ');
    const [c, hh, ww] = layer.shape;
    let row = figure(layer.featuresContent, 'content photo') + figure(layer.featuresStyle, 'style image')
      + figure(layer.featuresCurrent, 'current image');
    if (layer.style) {
      row += figure(layer.gramTarget, `Gram target A (${c}×${c})`, 'gram') + figure(layer.gramCurrent, 'Gram now G(x)', 'gram');
    }
    const loss = layer.styleLoss != null ? `<div class="meta">style loss mean((G−A)²) = ${layer.styleLoss.toExponential(3)}</div>`
      + sparkline(hist.layers[layer.name] || [], hist.iterations, d.iteration) : '';
    return `<div class="layer" data-layer="${layer.name}"><div><div class="name">${layer.name}</div><div class="meta">${role}<br>${c} channels, ${ww}×${hh}</div>${loss}</div><div class="row">${row}</div></div>`;
  }).join('');
}

window.addEventListener('resize', drawChart);
loadExamples().catch(e => showMessage('Could not load the examples: ' + e, true));
loadOptions().catch(e => showMessage('Could not load the options: ' + e, true));
drawChart();
