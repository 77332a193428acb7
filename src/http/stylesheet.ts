/**
 * The one stylesheet of both halves (served as /assets/samlgate.css, src/http/assets.ts): pages
 * carry no <style> of their own, so the CSP can refuse inline styles. Made for a projector: an
 * 18px base, dark text on white (or light on near-black under prefers-color-scheme: dark, with
 * contrast above WCAG AA in both), and usable in a narrow window (tables scroll, the nav wraps).
 */
export const STYLESHEET = `:root{color-scheme:light dark;
--bg:#ffffff;--fg:#16181d;--muted:#4a505a;--line:#c9ced6;--soft:#f2f4f7;--link:#0a4fb3;
--ok:#0b6b2d;--ok-bg:#e6f4ea;--bad:#a3141c;--bad-bg:#fdeaea;--warn:#7a4a00;--warn-bg:#fff4d6;
--accent:#0a4fb3;--accent-fg:#ffffff;--code:#eef0f4;--signed:#dff3e4}
@media (prefers-color-scheme:dark){:root{
--bg:#121417;--fg:#eceef2;--muted:#b4bac4;--line:#3b414b;--soft:#1d2126;--link:#8cb8ff;
--ok:#7ee29b;--ok-bg:#10301b;--bad:#ff9d9d;--bad-bg:#3a1416;--warn:#ffd27a;--warn-bg:#33290f;
--accent:#8cb8ff;--accent-fg:#0b1320;--code:#262b33;--signed:#163222}}
html{font-size:112.5%;-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:66rem;padding:0 1rem 3rem;background:var(--bg);color:var(--fg);font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--link)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
h1{font-size:1.5rem;margin:.6rem 0}h2{font-size:1.4rem;margin:1.4rem 0 .6rem}h3{font-size:1.15rem;margin:1.2rem 0 .5rem}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;justify-content:space-between;align-items:center;border-bottom:2px solid var(--line);margin-bottom:1rem}
header.top h1 a{color:inherit;text-decoration:none}
nav{display:flex;flex-wrap:wrap;gap:.4rem 1.1rem;align-items:center}
small,.muted{color:var(--muted)}
.clockbar time{white-space:nowrap}
code,pre,.xml{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{background:var(--code);padding:0 .25rem;border-radius:3px;overflow-wrap:anywhere}
pre,.xml{background:var(--soft);border:1px solid var(--line);padding:.75rem;overflow-x:auto;font-size:.8rem;line-height:1.45}
.xml{white-space:pre}.signed{background:var(--signed);border-left:4px solid var(--ok);display:block}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
thead th{border-bottom:2px solid var(--line)}
button{font:inherit;font-size:.95rem;cursor:pointer;padding:.35rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg)}
button:hover{filter:brightness(1.1)}
input,select{font:inherit;font-size:.95rem;padding:.35rem .5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
input[type=number]{width:5rem}
input[type=text],input[type=password],input[type=email]{width:100%;max-width:26rem;box-sizing:border-box}
td small code{white-space:nowrap}
label{display:block;margin:.75rem 0 .25rem}
.inline,form.inline{display:inline}.inline label,label.inline{display:inline;margin:0 .4rem 0 0}
form.inline button,.inline button{margin:0 .25rem}
.flash,.warn-box{background:var(--warn-bg);border:1px solid var(--warn);padding:.6rem 1rem;border-radius:6px}
.warn{color:var(--warn)}
.secret{background:var(--ok-bg);border:1px solid var(--ok);padding:.6rem 1rem;border-radius:6px;overflow-wrap:anywhere}
.error{background:var(--bad-bg);border:1px solid var(--bad);padding:.6rem 1rem;border-radius:6px}
.ok,.status-ok{color:var(--ok)}.bad,.status-bad{color:var(--bad)}
.status-ok,.status-bad{font-weight:600}
.token-status{min-width:16rem}
.status-bad .detail{font-weight:400;color:var(--fg)}
.sev-error{color:var(--bad)}.sev-warning{color:var(--warn)}.sev-info{color:var(--muted)}
.clockbar{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;margin:0 0 1rem}
.clockbar .dev{font-weight:600;color:var(--warn)}
.clockbar form{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:0}
.clockbar button{padding:.2rem .7rem}
.timeline{list-style:none;padding:0;margin:.5rem 0}
.timeline li{border-left:4px solid var(--line);padding:.35rem .8rem;margin:0 0 .6rem}
.timeline li.login{border-color:var(--ok)}.timeline li.refused,.timeline li.login-refused{border-color:var(--bad)}.timeline li.session-ended{border-color:var(--warn)}
.timeline .when{display:block;color:var(--muted);font-size:.9rem}
.banner{background:var(--warn-bg);border:1px solid var(--warn);padding:.5rem .75rem;border-radius:6px;font-size:.9rem}
.users li{margin:.3rem 0}
nav.idp a{margin-right:1rem}
@media (max-width:44rem){html{font-size:100%}body{padding:0 .6rem 2rem}
table{display:block;overflow-x:auto}th,td{padding:.4rem}header.top{display:block}}
`;
