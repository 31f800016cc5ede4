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
  };
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

  function distance(n, x) {
    const x2 = sum(x.map((a) => a * a));
    return n.centres.map((c) => {
      if (n.metric === "sqeuclidean" || n.metric === "euclidean") {
        let xc = 0;
        for (let i = 0; i < x.length; i++) xc += x[i] * c[i];
        const d2 = Math.max(x2 - 2 * xc + sum(c.map((a) => a * a)), 0);
        return n.metric === "sqeuclidean" ? d2 : Math.sqrt(d2);
      }
      const d = x.map((a, i) => Math.abs(a - c[i]));
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

  const classes = (n) => n.classes.values;
  const KERNELS = {
    dense: (n, [x]) => n.weight[0].map((_, j) => {
      if (n.is_translation) return x[j] + n.bias[j];
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
    argmax_label: (n, [x]) => classes(n)[argmax(x)],
    threshold_label: (n, [x]) => map(x, (v) => classes(n)[(n.strict ? v > n.threshold : v >= n.threshold) ? 1 : 0]),
    pairwise_coupling: (n, [r]) => coupling(n, r),
    monomials: (n, [x]) => monomials(n, x),
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
    const row = [...form.querySelectorAll("input")].map((i) => Number(i.value));
    if (row.some((v) => Number.isNaN(v))) { status.textContent = "every feature needs a number"; return; }
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
