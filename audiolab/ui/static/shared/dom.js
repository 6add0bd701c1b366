// DOM helpers the editor and the review tab share: queries inside one component, element
// construction that puts text in through textContent only, toasts, and "is the user typing".

// `$` for one component: the first element under `root` matching a CSS selector.
export function scoped(root) {
  return (selector) => root.querySelector(selector);
}

// A new element with a class and text (text is never parsed as HTML).
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// A function that shows a message in `box` for `ms` milliseconds, styled `<prefix>-<kind>`.
export function toaster(box, prefix) {
  return (msg, kind = "info", ms = 5000) => {
    const t = el("div", prefix + "-toast " + prefix + "-" + kind, msg);
    box.appendChild(t);
    setTimeout(() => t.remove(), ms);
  };
}

// Whether a key event's target takes text itself (shortcuts must leave it alone).
export function isTyping(target) {
  if (!target) return false;
  return /^(input|textarea|select)$/i.test(target.tagName || "") || !!target.isContentEditable;
}

// Whether a component is on screen (its tab is the selected one).
export function onScreen(root) {
  return root.offsetParent !== null;
}
