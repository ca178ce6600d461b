// Building DOM nodes.  Every text goes through textContent or a text node,
// never innerHTML, so a value from the database (a key name holding
// "<script>", a log body) is always shown as text, never parsed as markup.

export function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
        if (v === undefined || v === null || v === false) {
            continue;
        }
        if (k === 'class') {
            el.className = v;
        } else if (k === 'text') {
            el.textContent = v;
        } else if (k.startsWith('on') && typeof v === 'function') {
            el.addEventListener(k.slice(2), v);
        } else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') {
            el[k] = v;
        } else if (k === 'dataset') {
            Object.assign(el.dataset, v);
        } else {
            el.setAttribute(k, v === true ? '' : String(v));
        }
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children) {
        if (c === undefined || c === null || c === false) {
            continue;
        }
        if (Array.isArray(c)) {
            append(el, c);
        } else if (c instanceof Node) {
            el.appendChild(c);
        } else {
            el.appendChild(document.createTextNode(String(c)));
        }
    }
}

export function clear(el) {
    while (el.firstChild) {
        el.removeChild(el.firstChild);
    }
    return el;
}

export function replace(el, ...children) {
    clear(el);
    append(el, children);
    return el;
}
