// Small DOM and formatting helpers. Every value reaches the page as a text node or an attribute
// set through the DOM, never as markup, so data cannot become HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Attributes that could run code or restyle the page; callers never need them.
const REFUSED = /^(on|style$|srcdoc$)/i;

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

function setAttributes(node, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (REFUSED.test(name)) throw new Error(`refusing attribute ${name}`);
    if (name === 'class') node.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  return node;
}

/** An HTML element: h('td', {class: 'n'}, 'text', child, [more]). */
export function h(tag, attrs, ...children) {
  return append(setAttributes(document.createElement(tag), attrs), children);
}

/** An SVG element, same calling convention. */
export function s(tag, attrs, ...children) {
  return append(setAttributes(document.createElementNS(SVG_NS, tag), attrs), children);
}

export const DASH = '—';

export function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

export function fmtNum(v) {
  return isNum(v) ? v.toLocaleString('en-US') : DASH;
}

export function text(v) {
  if (v === null || v === undefined || v === '') return DASH;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** An instant as "2024-05-01 10:00 UTC" (without the zone where a header names it): one zone for everyone on a call. */
export function fmtTime(v, { zone = true } = {}) {
  if (!v) return DASH;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  const t = d.toISOString().slice(0, 16).replace('T', ' ');
  return zone ? `${t} UTC` : t;
}

export function fmtMinutes(v) {
  if (!isNum(v)) return DASH;
  const m = Math.round(v);
  if (m < 60) return `${m} min`;
  if (m < 24 * 60) return `${Math.floor(m / 60)} h ${m % 60} min`;
  return `${Math.floor(m / 1440)} d ${Math.floor((m % 1440) / 60)} h`;
}

export function fmtDays(v) {
  return isNum(v) ? `${Math.floor(v)} d` : DASH;
}

/** Whole days from an instant to now (null when the instant is not one). */
export function daysSince(v, now = Date.now()) {
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? null : Math.max(0, Math.floor((now - t) / 86400000));
}

/**
 * [{label, value, item}] from what an API may send for a distribution: an object
 * {label: count} (or {label: {count}}), or a list of objects or [label, count] pairs.
 */
export function entriesOf(value, labelKeys = ['name', 'label', 'key'], countKeys = ['count', 'cases', 'value']) {
  const pick = (obj, keys) => keys.map((k) => obj[k]).find((v) => v !== undefined && v !== null);
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (Array.isArray(item)) return { label: text(item[0]), value: item[1], item: {} };
        if (item && typeof item === 'object') return { label: text(pick(item, labelKeys)), value: pick(item, countKeys), item };
        return null;
      })
      .filter(Boolean);
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).map(([label, v]) =>
      v && typeof v === 'object' ? { label, value: pick(v, countKeys), item: v } : { label, value: v, item: {} });
  }
  return [];
}
