// Login with the admin credentials (POST /api/v1/login).

import { api } from '../api.js';
import { h } from '../dom.js';
import { t, lang, setLang } from '../i18n.js';

export function renderLogin({ reason, onLoggedIn }) {
    const msg = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
    const info = reason ? h('p', { class: 'notice', id: 'login-reason' }, t(`login.${reason}`)) : null;
    const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
    const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));

    const form = h('form', {
        class: 'login-form', 'aria-labelledby': 'login-title',
        onsubmit: async (e) => {
            e.preventDefault();
            msg.textContent = '';
            submit.disabled = true;
            try {
                onLoggedIn(await api.login(user.value, pass.value));
            } catch (err) {
                if (err.status === 401) {
                    msg.textContent = t('login.invalid');
                } else if (err.status === 429) {
                    msg.textContent = t('login.rate_limited', { s: err.retryAfter || 60 });
                } else {
                    msg.textContent = t('error.generic', { msg: err.message });
                }
                pass.select();
            } finally {
                submit.disabled = false;
            }
        },
    },
    h('div', { class: 'login-brand' },
        h('img', { src: 'favicon.svg', alt: '', width: 40, height: 40 }),
        h('h1', { id: 'login-title' }, t('login.title'))),
    info,
    h('label', { for: 'username' }, t('login.username')), user,
    h('label', { for: 'password' }, t('login.password')), pass,
    msg,
    submit,
    h('button', {
        type: 'button', class: 'link', id: 'lang-toggle',
        onclick: () => {
            setLang(lang() === 'en' ? 'zh' : 'en');
            form.replaceWith(renderLogin({ reason, onLoggedIn }));
        },
    }, lang() === 'en' ? '中文' : 'English'));

    setTimeout(() => (user.value ? pass : user).focus(), 0);
    return h('div', { class: 'login-wrap' }, form);
}
