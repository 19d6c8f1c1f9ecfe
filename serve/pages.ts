// The two pages the server makes itself: the login form and the index of the one organization a
// session may see (the published site/index.html lists every organization, so it is never served).
// Organization and user names come from Glific: escaped.
const STYLE = `:root{--bg:#fff;--fg:#1f1f1f;--muted:#555;--line:#d0d0d0;--card:#f4f6f8;--link:#0b57a4;--bad:#a11;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#e8e8e8;--muted:#b5b5b5;--line:#444;--card:#1e2227;--link:#8cc4ff;--bad:#ff9a9a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:32rem;margin:0 auto;padding:24px 16px}
h1{font-size:1.5rem;margin:0 0 16px}
a{color:var(--link)}
label{display:block;font-weight:600;margin:12px 0 4px}
input{width:100%;font:inherit;padding:8px;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
button{font:inherit;margin-top:16px;padding:8px 16px;border:1px solid var(--link);border-radius:4px;background:var(--link);color:var(--bg);cursor:pointer}
button.plain{background:transparent;color:var(--link)}
.hint{color:var(--muted);font-size:.9rem;margin:4px 0 0}
.error{border-left:4px solid var(--bad);background:var(--card);padding:8px 12px;margin:0 0 12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:12px 16px;margin:0 0 16px}
.card h2{font-size:1.2rem;margin:0 0 8px}
ul{padding-left:20px}`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export const LOGIN_FAILED = 'The phone number or password is not correct, or this account cannot see reports.';
export const FORM_EXPIRED = 'The login form expired. Please try again.';

export function loginPage(o: { csrfToken: string; phone?: string; error?: string }): string {
  return layout('Log in · Glific reports', `<h1>Glific reports</h1>
<p>Log in with your Glific phone number and password.</p>
${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ''}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="${escapeHtml(o.csrfToken)}">
<label for="phone">Phone number with country code</label>
<input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="username" required value="${escapeHtml(o.phone ?? '')}" aria-describedby="phone-hint">
<p class="hint" id="phone-hint">For example +91 98765 43210</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>`);
}

export function orgIndexPage(o: { shortcode: string; orgName: string; userName: string; logoutToken: string }): string {
  const sc = encodeURIComponent(o.shortcode);
  return layout(`${o.orgName} · Glific reports`, `<h1>Glific reports</h1>
<div class="card">
<h2><a href="/${sc}/">${escapeHtml(o.orgName)}</a></h2>
<p>Daily, monthly and custom-range reports. Data files:</p>
<ul>
<li><a href="/${sc}/data/daily.csv">daily.csv</a></li>
<li><a href="/${sc}/data/monthly.csv">monthly.csv</a></li>
<li><a href="/${sc}/data/hourly.csv">hourly.csv</a></li>
<li><a href="/${sc}/data/errors.csv">errors.csv</a></li>
<li><a href="/${sc}/data/metrics.json">metrics.json</a></li>
</ul>
</div>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${escapeHtml(o.logoutToken)}">
<p class="hint">Logged in${o.userName ? ` as ${escapeHtml(o.userName)}` : ''}.</p>
<button type="submit" class="plain">Log out</button>
</form>`);
}

export function messagePage(title: string, text: string): string {
  return layout(`${title} · Glific reports`, `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
<p><a href="/">Reports</a></p>`);
}
