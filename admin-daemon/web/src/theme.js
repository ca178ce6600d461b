// Light and dark themes.  data-theme on <html> always holds the theme in
// force ("light" or "dark"): the switch's choice, or on "system" what
// prefers-color-scheme says, followed live.  Charts read colours from CSS
// variables, so pages re-render their charts on a change (onThemeChange).

const STORE = 'agw.theme';
const listeners = new Set();
const media = window.matchMedia('(prefers-color-scheme: dark)');

let choice = load();

function load() {
    try {
        const v = localStorage.getItem(STORE);
        if (v === 'light' || v === 'dark' || v === 'system') {
            return v;
        }
    } catch {
        // storage disabled
    }
    return 'system';
}

export function themeChoice() {
    return choice;
}

export function effectiveTheme() {
    if (choice === 'system') {
        return media.matches ? 'dark' : 'light';
    }
    return choice;
}

export function applyTheme() {
    document.documentElement.setAttribute('data-theme', effectiveTheme());
    for (const fn of listeners) {
        fn();
    }
}

export function setTheme(v) {
    choice = v === 'light' || v === 'dark' ? v : 'system';
    try {
        localStorage.setItem(STORE, choice);
    } catch {
        // not remembered, still applied
    }
    applyTheme();
}

export function onThemeChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
}

media.addEventListener('change', () => {
    if (choice === 'system') {
        applyTheme();
    }
});

// A CSS custom property's value (e.g. cssVar('--fg')).
export function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
