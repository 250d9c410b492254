// Rehabilitation Partners Directory: progressive enhancement.
//
// Loaded at the end of <body> as <script type="module">, so it only runs in browsers that
// support ES modules, which is the same test GOV.UK Frontend's page template makes inline.
// There is no inline script anywhere: the Content-Security-Policy has no 'unsafe-inline'.
//
// Every page works without this file; it only enhances.
//
// The bundle is copied to static/dist/ by `npm run build`; the relative path resolves to
// /static/dist/govuk-frontend.min.js because this file is served at /static/js/app.js.
import { initAll } from '../dist/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

// A form with no action posts to the page's address, fragment and all. After the skip link
// that is #main-content, and opening the answer at a fragment takes the focus away from its
// error summary. The address without the fragment is the same page.
for (const form of document.querySelectorAll('form:not([action]), form[action=""]')) {
  form.setAttribute('action', window.location.pathname + window.location.search)
}

initAll()
