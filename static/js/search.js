// Organisation search: with JavaScript, results update as soon as a filter, the sort order or
// the page size changes, and screen readers hear the new number of results. Without it the
// "Apply filters" buttons submit the same GET form, so the page works the same way.
//
// The enhanced request fetches exactly the URL the form would have gone to, so the address
// bar, bookmarks and shared links always match what is on screen.

const MAIN_SELECTOR = '#main-content'
const FORM_ID = 'search-form'
// The query string of the results on screen.
let shownSearch = window.location.search

function searchUrl (form) {
  const params = new URLSearchParams()
  for (const [name, value] of new FormData(form)) {
    if (value !== '') params.append(name, value)
  }
  const query = params.toString()
  return form.action + (query ? '?' + query : '')
}

function hideApplyButtons (root) {
  for (const button of root.querySelectorAll('.app-apply-filters')) {
    // The hidden attribute alone loses to .govuk-button's display rule.
    button.classList.add('govuk-!-display-none')
  }
}

// Narrow screens: the filters wait behind "Filter results (N selected)", so that the results
// come first; they stay open or closed as the person left them while the results change.
const NARROW = window.matchMedia('(max-width: 40.0525em)')
let filtersOpen = false

function selectedFilters (filters) {
  const chosen = [...filters.querySelectorAll('input:checked, select:not(#id_within)')]
    .filter((field) => field.checked || (field.tagName === 'SELECT' && field.value))
  const postcode = filters.querySelector('#id_postcode')
  return chosen.length + (postcode?.value.trim() ? 1 : 0)
}

function showFilters () {
  const filters = document.getElementById('search-filters')
  const toggle = filters?.querySelector('.app-filter-toggle')
  if (!toggle) return
  const open = !NARROW.matches || filtersOpen
  toggle.textContent = `Filter results (${selectedFilters(filters)} selected)`
  toggle.setAttribute('aria-expanded', String(open))
  toggle.classList.toggle('govuk-!-display-none', !NARROW.matches)
  filters.classList.toggle('app-filters--closed', !open)
}

document.addEventListener('click', (event) => {
  if (!event.target.closest('.app-filter-toggle')) return
  filtersOpen = !filtersOpen
  showFilters()
})
NARROW.addEventListener('change', showFilters)

async function update (form, focusedId) {
  const url = searchUrl(form)
  const main = document.querySelector(MAIN_SELECTOR)
  main.setAttribute('aria-busy', 'true')
  try {
    const response = await fetch(url, { headers: { Accept: 'text/html' } })
    if (!response.ok) throw new Error('Search failed: ' + response.status)
    const page = new DOMParser().parseFromString(await response.text(), 'text/html')
    const replacement = page.querySelector(MAIN_SELECTOR)
    if (!replacement) throw new Error('No results in the response')
    // Filter groups the person opened stay open.
    const opened = [...main.querySelectorAll('details[open]')].map((details) => details.id)
    main.replaceChildren(...replacement.childNodes)
    for (const id of opened) document.getElementById(id)?.setAttribute('open', '')
    showFilters()
    window.history.pushState({}, '', url)
    shownSearch = window.location.search
    document.title = page.title
    hideApplyButtons(main)
    const focused = focusedId && document.getElementById(focusedId)
    if (focused) focused.focus()
    const count = document.getElementById('result-count')
    const status = document.getElementById('search-status')
    if (count && status) status.textContent = count.textContent.trim() + ' found'
  } catch (error) {
    // Fall back to an ordinary page load, which shows any error properly.
    window.location.assign(url)
  } finally {
    main.removeAttribute('aria-busy')
  }
}

document.addEventListener('change', (event) => {
  const target = event.target
  const form = target.form
  if (!form || form.id !== FORM_ID) return
  // Typed text (keywords, postcode) waits for the Search button or the Enter key.
  if (target.type === 'text' || target.type === 'search') return
  update(form, target.id)
})

// Back and forward between searches show the search of the address bar. Following a link to
// a part of the page (the skip link, an error summary link) also fires popstate: the search
// has not changed, so nothing is reloaded and the focus stays where the link put it.
window.addEventListener('popstate', () => {
  if (window.location.search !== shownSearch) window.location.reload()
})

hideApplyButtons(document)
showFilters()
