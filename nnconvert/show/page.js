// nnconvert page: a small runtime for the embedded network (one row), the hover tips, the
// layer expansion and the lighting of neuron values. Mirrors nnconvert/runtime/execute.py
// (float64 throughout, as JS numbers are); kinds it does not know are reported, never guessed.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("nnconvert-network").textContent);
  const spec = data.spec;

  const sigmoid = (x) => 1 / (1 + Math.exp(-x));
  const ACT = {
    identity: (x) => x, relu: (x) => (x > 0 ? x : (Number.isNaN(x) ? x : 0)), sigmoid, tanh: Math.tanh,
    exp: Math.exp, log: Math.log, abs: Math.abs, softsign: (x) => x / (1 + Math.abs(x)), square: (x) => x * x,
    power: (x, p) => x ** p[0], step_gt: (x) => (x > 0 ? 1 : 0), step_ge: (x) => (x >= 0 ? 1 : 0),
    clip: (x, p) => Math.min(Math.max(x, p[0]), p[1]), reciprocal: (x) => 1 / x, sqrt: Math.sqrt, cos: Math.cos,
    round_float32: Math.fround, erf: (x) => erf(x),
  };
  // erf by W. J. Cody's rational approximations (Math. Comp. 23, 1969; his CALERF): float64-accurate.
  const ERF_A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
    1.85777706184603153e-1];
  const ERF_B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
  const ERF_C = [5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
    8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
    2.15311535474403846e-8];
  const ERF_D = [1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
    3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03];
  const ERF_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
    6.58749161529837803e-4, 1.63153871373020978e-2];
  const ERF_Q = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
    2.33520497626869185e-3];

  function ratio(num, den, z, n) {  // Cody's nested evaluation of num(z) / den(z), degree n
    let a = num[n + 1] * z, b = z;
    for (let i = 0; i < n; i++) { a = (a + num[i]) * z; b = (b + den[i]) * z; }
    return (a + num[n]) / (b + den[n]);
  }

  function erf(x) {
    const y = Math.abs(x);
    if (Number.isNaN(x)) return x;
    if (y <= 0.46875) return x * ratio(ERF_A, ERF_B, y * y, 3);
    if (y >= 6) return x < 0 ? -1 : 1;  // erfc(6) < 2.2e-17: 1 - erfc rounds to 1
    let c;  // erfc(y), exp(-y^2) split as exp(-z^2) exp(-(y-z)(y+z)) with z = y rounded to 1/16
    if (y <= 4) c = ratio(ERF_C, ERF_D, y, 7);
    else {
      const z = 1 / (y * y);
      c = (1 / Math.sqrt(Math.PI) - z * ratio(ERF_P, ERF_Q, z, 4)) / y;
    }
    const z = Math.trunc(y * 16) / 16;
    c = Math.exp(-z * z) * Math.exp(-(y - z) * (y + z)) * c;
    return x < 0 ? c - 1 : 1 - c;
  }

  const map = (v, f) => (Array.isArray(v) ? v.map(f) : f(v));
  const sum = (a) => a.reduce((s, x) => s + x, 0);

  function softmax(v) {
    const m = Math.max(...v);
    const z = v.map((x) => Math.exp(x - m));
    const s = sum(z);
    return z.map((x) => x / s);
  }

  function argmax(v) {
    let best = 0;
    for (let j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
    return best;
  }

  const dot = (a, b) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
  const unit = (a) => { const r = Math.sqrt(dot(a, a)); return a.map((v) => v / (r === 0 ? 1 : r)); };

  function logsumexp(x) {  // m + log(sum exp(x - m)), m the max (0 where not finite)
    let m = Math.max(...x);
    if (!Number.isFinite(m)) m = 0;
    return Math.log(sum(x.map((v) => Math.exp(v - m)))) + m;
  }

  function distance(n, x) {
    const x2 = sum(x.map((a) => a * a));
    return n.centres.map((c) => {
      if (n.metric === "sqeuclidean" || n.metric === "euclidean") {
        let xc = 0;
        for (let i = 0; i < x.length; i++) xc += x[i] * c[i];
        const d2 = Math.max(x2 - 2 * xc + sum(c.map((a) => a * a)), 0);
        return n.metric === "sqeuclidean" ? d2 : Math.sqrt(d2);
      }
      if (n.metric === "cosine") return Math.min(Math.max(1 - dot(unit(x), unit(c)), 0), 2);
      const d = x.map((a, i) => Math.abs(a - c[i]));
      if (n.metric === "minkowski") return sum(d.map((a) => a ** n.p)) ** (1 / n.p);
      return n.metric === "manhattan" ? sum(d) : Math.max(...d);
    });
  }

  function coupling(n, r) {  // libsvm multiclass_probability, as nnconvert/ir/coupling.py
    const k = n.n_classes, R = [];
    for (let i = 0; i < k; i++) R.push(new Array(k).fill(0));
    let p = 0;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++, p++) { R[i][j] = r[p]; R[j][i] = 1 - r[p]; }
    const Q = [];
    for (let t = 0; t < k; t++) {
      Q.push([]);
      let d = R[0][t] * R[0][t];
      for (let j = 1; j < k; j++) d = d + R[j][t] * R[j][t];
      for (let j = 0; j < k; j++) Q[t].push(j === t ? d : -(R[j][t] * R[t][j]));
    }
    let P = new Array(k).fill(1 / k);
    const eps = n.stop_tol / k;
    for (let it = 0; it < n.max_iter; it++) {
      const Qp = Q.map((q) => { let s = q[0] * P[0]; for (let j = 1; j < k; j++) s = s + q[j] * P[j]; return s; });
      let pQp = P[0] * Qp[0];
      for (let t = 1; t < k; t++) pQp = pQp + P[t] * Qp[t];
      if (Math.max(...Qp.map((q) => Math.abs(q - pQp))) < eps) break;
      let S = P.concat(Qp);
      for (let t = 0; t < k; t++) {
        const qtt = Q[t][t], qpt = S[k + t], diff = (pQp - qpt) / qtt, onep = 1 + diff;
        pQp = (pQp + diff * (diff * qtt + 2 * qpt)) / onep / onep;
        S = S.map((s, m) => (s + diff * (m < k ? (m === t ? 1 : 0) : Q[t][m - k])) / onep);
      }
      P = S.slice(0, k);
    }
    return P;
  }

  function monomials(n, x) {
    return n.powers.map((pw) => {
      const f = [];
      for (let i = pw.length - 1; i >= 0; i--) for (let e = 0; e < pw[i]; e++) f.push(x[i]);
      return f.length ? f.reduce((a, b) => a * b) : 1;
    });
  }

  // ---- trees (nnconvert/ir/trees.py): the split test of split s on the value v ----
  const F64_MAX = Number.MAX_VALUE;  // a threshold of the largest float64 stands for +inf
  const ZERO_THRESHOLD = Math.fround(1e-35);  // LightGBM's kZeroThreshold (zero_missing splits)
  const F32 = new Float32Array(1), I32 = new Int32Array(F32.buffer);

  function roundDownFloat32(t) {  // the largest float32 <= t
    if (t === F64_MAX) return Infinity;
    const t32 = Math.fround(t);
    if (!(t32 > t)) return t32;
    if (t32 === 0) return -(2 ** -149);
    F32[0] = t32;
    I32[0] += t32 > 0 ? -1 : 1;
    return F32[0];
  }

  function thresholds(n) {  // as effective_thresholds in the dtype the comparisons run in
    if (!n._thr) n._thr = n.threshold.map((t) => (n.cast_float32 ? roundDownFloat32(t) : t === F64_MAX ? Infinity : t));
    return n._thr;
  }

  function goesLeft(n, x, s) {
    const v = n.cast_float32 ? Math.fround(x[n.feature[s]]) : x[n.feature[s]];
    if (Number.isNaN(v)) return n.missing_left[s];
    if (n.zero_missing && n.zero_missing[s] && Math.abs(v) <= ZERO_THRESHOLD) return n.missing_left[s];
    if (n.category && n.category[s] >= 0) {
      const row = n.categories[n.category[s]];
      if ((n.category_trunc ? v <= -1 : v < 0) || v >= row.length) return n.category_out_right ? false : n.missing_left[s];
      return row[Math.trunc(v)];
    }
    return v <= thresholds(n)[s];
  }

  function treeEnsemble(n, x) {
    const leaves = n.roots.map((s) => {
      while (n.left[s] >= 0) s = goesLeft(n, x, s) ? n.left[s] : n.right[s];
      return n.values[s];
    });
    if (n.per_tree) return [].concat(...leaves);
    return leaves.slice(1).reduce((acc, v) => acc.map((a, j) => a + v[j]), leaves[0].slice());
  }

  // ---- neighbours (nnconvert/ir/neighbours.py) ----
  function neighbourVote(n, d) {
    const zero = n.zero_tol * Math.sqrt(Number.EPSILON);
    let idx = d.map((_, i) => i);
    if (n.k) idx = idx.sort((a, b) => d[a] - d[b] || a - b).slice(0, n.k);  // (distance, index) order
    else idx = idx.filter((i) => d[i] <= n.radius);
    let w = idx.map(() => 1);
    if (n.weighting === "distance") {
      const zeros = idx.map((i) => d[i] <= zero);
      w = zeros.some((z) => z) ? zeros.map((z) => (z ? 1 : 0)) : idx.map((i) => 1 / d[i]);
    }
    const total = sum(w);
    if (!n.k && total === 0) return n.outlier ? n.outlier.slice() : n.values[0].map(() => NaN);
    return n.values[0].map((_, j) => {
      let s = 0;
      idx.forEach((i, m) => { s += w[m] * n.values[i][j]; });
      return s / total;
    });
  }

  // ---- preprocessing (nnconvert/ir/preprocess.py); a missing value is NaN or x == value ----
  const missing = (n, v) => (n.value === null ? Number.isNaN(v) : v === n.value);
  const NORMS = {
    l1: (x) => sum(x.map(Math.abs)), l2: (x) => Math.sqrt(sum(x.map((v) => v * v))), max: (x) => Math.max(...x.map(Math.abs)),
  };

  function interp(n, x) {  // numpy's interp per column, as ir/preprocess.py interp
    return x.map((v, c) => {
      const xp = n.xp[c], fp = n.fp[c], at = (n.on_knot || n.fp)[c], k = xp.length;
      let count = 0;
      while (count < k && xp[count] <= v) count++;
      const i = Math.min(Math.max(count - 1, 0), k - 2), j = Math.min(Math.max(count - 1, 0), k - 1);
      const dx = xp[i + 1] - xp[i];
      const slope = dx > 0 ? (fp[i + 1] - fp[i]) / dx : 0;
      let y = slope * (v - xp[i]) + fp[i];
      if (v >= xp[k - 1]) y = fp[k - 1];
      if (v === xp[j]) y = at[j];
      return v < xp[0] ? fp[0] : y;
    });
  }

  function piecewisePoly(n, x) {  // ir/splines.py piecewise_poly: the interval's local polynomial, the ends
    return n.columns.map((col, o) => {
      const b = n.breaks[o], k = b.length, first = b[0], last = b[k - 1];
      let v = x[col];
      if (n.extrapolation === "periodic") {
        const period = last - first, r = (v - first) % period;  // JS % is fmod; numpy adds the period below 0
        v = first + (r < 0 ? r + period : r);
      }
      let count = 0;
      while (count < k && b[count] <= v) count++;
      const i = Math.min(Math.max(count - 1, 0), k - 2), c = n.coefs[o][i], u = v - b[i];
      let y = c[c.length - 1];
      for (let p = c.length - 2; p >= 0; p--) y = y * u + c[p];
      if (n.extrapolation === "nan" && (v < first || v > last)) y = NaN;
      if (n.extrapolation === "affine") {
        if (v < first) y = n.below[o][0] + (v - first) * n.below[o][1];
        if (v > last) y = n.above[o][0] + (v - last) * n.above[o][1];
      }
      return n.nan_fill !== null && n.nan_fill !== undefined && Number.isNaN(v) ? n.nan_fill : y;
    });
  }

  function weightedMedian(n, x) {  // AdaBoostRegressor: first sorted prediction whose weight reaches half
    const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
    const cdf = [];
    order.forEach((i, m) => cdf.push((m ? cdf[m - 1] : 0) + n.weights[i]));
    const half = 0.5 * cdf[cdf.length - 1];
    return [x[order[cdf.findIndex((c) => c >= half)]]];
  }

  function combine(n, xs) {  // elementwise, left to right (ir/combine.py)
    if (n.fn === "mul") return xs.slice(1).reduce((y, x) => y.map((v, j) => v * x[j]), xs[0]);
    let y = xs[0].map((v) => v * n.coeffs[0]);
    for (let i = 1; i < xs.length; i++) y = y.map((v, j) => v + xs[i][j] * n.coeffs[i]);
    return n.bias ? y.map((v) => v + n.bias) : y;
  }

  function erfMixture(n, [f], [v]) {  // GaussianProcessClassifier's Laplace approximation (ir/erf_mixture.py)
    let y = 0;
    n.lambdas.forEach((lam, j) => {
      y += erf((f * lam) * (1 / Math.sqrt(v * (2 * lam ** 2) + 1))) * (n.coefs[j] / 2);
    });
    return [y + sum(n.coefs) / 2];
  }

  const classes = (n) => n.classes.values;
  const KERNELS = {
    dense: (n, [x]) => n.weight[0].map((_, j) => {
      if (n.is_translation) return x[j] + n.bias[j];
      if (n.column_scale) {  // y = x[sel] * mul + b, column by column (see Dense.column_scale)
        const [sel, mul] = n.column_scale;
        return n.selection ? x[sel[j]] + n.bias[j] : x[sel[j]] * mul[j] + n.bias[j];
      }
      let s = 0;
      for (let i = 0; i < x.length; i++) s += x[i] * n.weight[i][j];
      return s + n.bias[j];
    }),
    activation: (n, [x]) => (n.fn === "softmax" ? softmax(x) : map(x, (v) => ACT[n.fn](v, n.param))),
    distance: (n, [x]) => distance(n, x),
    concat: (n, xs) => [].concat(...xs),
    normalize: (n, [x]) => {
      const s = sum(x);
      return x.map((v) => (s === 0 && n.zero_to_uniform ? 1 / x.length : v / s));
    },
    squeeze: (n, [x]) => x[0],
    logsumexp: (n, [x]) => logsumexp(x),
    argmax_label: (n, [x]) => classes(n)[argmax(x)],
    threshold_label: (n, [x]) => map(x, (v) => classes(n)[(n.strict ? v > n.threshold : v >= n.threshold) ? 1 : 0]),
    pairwise_coupling: (n, [r]) => coupling(n, r),
    monomials: (n, [x]) => monomials(n, x),
    category_codes: (n, [x]) => {  // the first known category equal to x_j, else NaN
      const y = x.slice();
      n.columns.forEach((col, k) => {
        const code = n.categories[k].slice(0, n.counts[k]).indexOf(x[col]);
        y[col] = code >= 0 ? code : NaN;
      });
      return y;
    },
    category_indicators: (n, [x]) => n.columns.map((col, o) => {  // [x_col == v], isnan for the missing entries
      const v = x[col];
      return (n.missing && n.missing[o] ? Number.isNaN(v) : v === n.values[o]) ? 1 : 0;
    }),
    is_missing: (n, [x]) => x.map((v) => (missing(n, v) ? 1 : 0)),
    impute: (n, [x]) => x.map((v, j) => (missing(n, v) ? n.fill[j] : v)),
    mark_missing: (n, [x]) => x.map((v) => (v === n.value ? NaN : v)),
    row_norm: (n, [x]) => {
      const r = NORMS[n.norm](x);
      return x.map((v) => v / (r < 10 * Number.EPSILON ? 1 : r));
    },
    interp: (n, [x]) => interp(n, x),
    piecewise_poly: (n, [x]) => piecewisePoly(n, x),
    weighted_median: (n, [x]) => weightedMedian(n, x),
    combine: (n, xs) => combine(n, xs),
    erf_mixture: (n, [f, v]) => erfMixture(n, f, v),
    label_indicator: (n, [x]) => classes(n).map((c) => (x === c ? 1 : 0)),
    stack_labels: (n, xs) => xs,
    tree_splits: (n, [x]) => n.feature.map((_, s) => (goesLeft(n, x, s) ? 1 : 0)),
    tree_ensemble: (n, [x]) => treeEnsemble(n, x),
    neighbour_vote: (n, [d]) => neighbourVote(n, d),
  };

  const unknown = spec.nodes.filter((n) => !(n.op in KERNELS)).map((n) => n.op);

  function run(row) {
    const values = { X: row };
    for (const n of spec.nodes) values[n.name] = KERNELS[n.op](n, n.inputs.map((i) => values[i]));
    return values;
  }

  window.nnconvertRun = run;  // every tensor for one row: what the tests compare with numpy

  // ---- the page ----
  const tip = document.getElementById("tip");
  let current = null;

  function fmt(v) { return typeof v === "number" ? String(v) : JSON.stringify(v); }

  function neuronValue(el) {
    if (!current) return undefined;
    const layer = data.layers[+el.dataset.layer];
    const v = current[layer.tensors[layer.tensors.length - 1]];
    if (layer.kind === "head") return v;  // the predicted label(s)
    return Array.isArray(v) ? v[+el.dataset.index] : v;
  }

  document.querySelectorAll(".neuron").forEach((el) => {
    el.addEventListener("mouseenter", (ev) => {
      const v = neuronValue(el);
      tip.textContent = el.dataset.tip + (v === undefined ? "" : "\nvalue = " + fmt(v));
      tip.style.display = "block";
      tip.style.left = ev.pageX + 14 + "px";
      tip.style.top = ev.pageY + 10 + "px";
    });
    el.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  });

  document.querySelectorAll(".caption.expandable").forEach((el) => {
    el.addEventListener("click", () => {
      const target = el.dataset.view;
      document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== target; });
    });
  });

  function light(values) {
    document.querySelectorAll(".neuron").forEach((el) => {
      const layer = data.layers[+el.dataset.layer];
      const v = values[layer.tensors[layer.tensors.length - 1]];
      const circle = el.querySelector("circle");
      if (layer.kind === "head") {
        const label = Array.isArray(v) ? v[0] : v;  // the predicted class (a threshold head's first column)
        const on = layer.classes !== null && layer.classes[+el.dataset.index] === label;
        circle.style.fill = on ? "#66bb6a" : "white";
        el.dataset.value = on ? "1" : "0";
        return;
      }
      const x = Array.isArray(v) ? v[+el.dataset.index] : v;
      const all = (Array.isArray(v) ? v : [v]).map(Math.abs).filter(Number.isFinite);
      const scale = Math.max(...all, 1e-300);
      const a = Number.isFinite(x) ? Math.min(1, Math.abs(x) / scale) : 1;
      circle.style.fill = x >= 0 ? `rgba(31,95,191,${a})` : `rgba(208,48,48,${a})`;
      el.dataset.value = String(x);
    });
  }

  const form = document.getElementById("row");
  const status = document.getElementById("status");
  const out = document.getElementById("outputs");
  if (unknown.length) {
    status.textContent = "This page cannot compute node kind(s) " + [...new Set(unknown)].join(", ") +
      "; the picture and the tips still show the network.";
    form.querySelector("button").disabled = true;
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (unknown.length) return;
    // a string column is a choice of its codes; its "(missing)" is NaN, a number box must hold a number
    const fields = [...form.querySelectorAll("input, select")];
    const row = fields.map((i) => Number(i.value));
    if (row.some((v, k) => Number.isNaN(v) && fields[k].tagName !== "SELECT")) {
      status.textContent = "every feature needs a number"; return;
    }
    current = run(row);
    light(current);
    out.replaceChildren();
    for (const [method, tensor] of Object.entries(spec.outputs)) {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      const td = document.createElement("td");
      th.textContent = method;
      td.textContent = fmt(current[tensor]);
      td.dataset.method = method;
      td.dataset.value = JSON.stringify(current[tensor]);
      tr.append(th, td);
      out.append(tr);
    }
    status.textContent = "computed in the page from the embedded weights";
  });
})();
