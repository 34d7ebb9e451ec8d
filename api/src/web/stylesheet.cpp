// The stylesheet of the web pages, compiled into the binary (served at /static/firma.css): fluid, one column on a
// narrow screen, system fonts, contrast of at least 4.5:1 for text (WCAG 2.2 1.4.3), visible focus (2.4.7).
#include "web/pages.h"

namespace firma::api::web {

std::string_view stylesheet() {
  return R"css(:root {
  --ink: #1b1f24;
  --muted: #4a525c;
  --paper: #ffffff;
  --band: #f2f4f7;
  --accent: #0b4f8a;
  --accent-ink: #ffffff;
  --danger: #a4161a;
  --error-bg: #fdecec;
  --ok-bg: #e8f5ec;
  --ok: #1d6b36;
  --focus: #f2a900;
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5;
  color: var(--ink);
  background: var(--paper);
  min-height: 100vh;  /* the footer's band reaches the bottom of a short page */
  display: flex;
  flex-direction: column;
}
body > main { flex: 1 0 auto; width: 100%; }
.skip { position: absolute; left: -999px; top: 0; background: var(--paper); color: var(--accent); padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.site, footer.site {
  background: var(--band);
  padding: .75rem max(1rem, calc((100% - 38rem) / 2));  /* aligned with main's text (40rem less its padding) */
  display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem;
}
header.site { border-bottom: 4px solid var(--accent); }
footer.site { margin-top: 3rem; color: var(--muted); font-size: .9rem; }
.brand { margin: 0; font-weight: 700; font-size: 1.125rem; color: var(--accent); }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 1rem 0; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; }
p { margin: .5rem 0; }
.lead { font-size: 1.0625rem; }
a { color: var(--accent); text-underline-offset: .15em; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 30rem) {
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .5rem; }
}
ul.documents { list-style: none; padding: 0; margin: 0 0 1rem; }
ul.documents li { border: 1px solid #c9ced6; border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0; }
.doc-name { font-weight: 600; overflow-wrap: anywhere; }
.doc-format { color: var(--muted); }
.doc-digest { display: block; color: var(--muted); font-size: .9rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .95em; }
form { margin: 1rem 0; }
.field { margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input {
  display: block; width: 100%; max-width: 24rem;
  font: inherit; padding: .6rem .75rem; min-height: 2.75rem;
  border: 2px solid #6b7480; border-radius: 4px; color: var(--ink); background: var(--paper);
}
input:focus-visible { border-color: var(--accent); }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
button {
  font: inherit; font-weight: 600; cursor: pointer;
  min-height: 2.75rem; padding: .6rem 1.25rem;
  border: 2px solid var(--accent); border-radius: 4px;
  background: var(--accent); color: var(--accent-ink);
}
button:hover { filter: brightness(1.1); }
button.secondary { background: var(--paper); color: var(--accent); }
button.danger { border-color: var(--danger); color: var(--danger); }
.secondary-action { border-top: 1px solid #c9ced6; padding-top: 1rem; }
.error { border-left: 6px solid var(--danger); background: var(--error-bg); padding: .75rem 1rem; margin: 1rem 0; }
.error p { margin: 0 0 .25rem; }
.notice, .done, .final { border-left: 6px solid var(--ok); background: var(--ok-bg); padding: .75rem 1rem; margin: 1rem 0; }
.final.closed { border-left-color: var(--muted); background: var(--band); }
ul.actions { padding-left: 1.25rem; }
ul.actions li { margin: .5rem 0; }
@media (max-width: 30rem) {
  h1 { font-size: 1.5rem; }
  button { width: 100%; }
}
)css";
}

}  // namespace firma::api::web
