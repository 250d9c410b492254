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

// A table's scrolling region is a Tab stop, so that keyboard users can scroll it, only while
// it has something to scroll: on a wide screen the whole table shows and the stop is noise.
const scrollRegions = document.querySelectorAll('.app-table-scroll[tabindex], .app-compare[tabindex]')
function updateScrollRegions () {
  for (const region of scrollRegions) {
    if (region.scrollWidth > region.clientWidth) {
      region.setAttribute('tabindex', '0')
    } else {
      region.removeAttribute('tabindex')
    }
  }
}
updateScrollRegions()
window.addEventListener('resize', updateScrollRegions)
