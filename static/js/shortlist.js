// "Add to shortlist" and its "Undo" without leaving the page. Without JavaScript the same
// forms post normally and the server returns to the same result with a banner beside it;
// this only saves the round trip. In the search results the pressed button becomes
// "Added to <shortlist> ✓ – Undo" where it was, and a live region says what happened.
// Listens on the document because the search page swaps its results in place.

const ADD_SELECTOR = 'form[data-module="app-shortlist-add"]'
const UNDO_SELECTOR = 'form[data-module="app-shortlist-undo"]'
const CHOOSERS = '#shortlist-choice, #profile-shortlist-choice, #record-search-shortlist'

function announce (form, text) {
  const status = form.querySelector('.app-shortlist-status') ??
    document.querySelector('.app-shortlist-status')
  if (status) status.textContent = text
}

function element (tag, attributes = {}, ...children) {
  const made = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value)
  made.append(...children)
  return made
}

function hidden (text) {
  return element('span', { class: 'govuk-visually-hidden' }, text)
}

// A shortlist made by this add goes into the choosers, chosen, so the next add joins it.
function offerShortlist (shortlist) {
  for (const select of document.querySelectorAll(CHOOSERS)) {
    if (select.querySelector(`option[value="${shortlist.id}"]`)) continue
    const option = element('option', { value: shortlist.id }, shortlist.name)
    select.prepend(option)
    select.value = String(shortlist.id)
  }
}

// "Added to <shortlist> ✓ – Undo" (or "Already on <shortlist> ✓") in place of the button.
function showAdded (place, answer, organisationName) {
  const name = answer.shortlist.name
  const added = element('p', { class: 'govuk-body app-shortlist-added' },
    answer.undo ? 'Added to ' : 'Already on ',
    element('a', { class: 'govuk-link', href: answer.url }, name), ' ✓')
  if (answer.undo) {
    added.append(' – ', element('button', {
      type: 'submit',
      form: 'shortlist-undo-form',
      formaction: answer.undo,
      class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0 app-shortlist-undo'
    }, 'Undo', hidden(`: take ${organisationName} off “${name}”`)))
  }
  if (answer.rename) {
    added.append(' ', element('a', { class: 'govuk-link', href: answer.rename },
      'Rename', hidden(` “${name}”`)))
  }
  place.querySelector('.app-shortlist-added')?.remove()
  place.append(added)
  // The hidden attribute alone loses to .govuk-button's display rule.
  place.querySelector('button[form="shortlist-add-form"]').classList.add('govuk-!-display-none')
  ;(added.querySelector('button') ?? added.querySelector('a')).focus()
}

function showAddAgain (place) {
  place.querySelector('.app-shortlist-added')?.remove()
  const button = place.querySelector('button[form="shortlist-add-form"]')
  button.classList.remove('govuk-!-display-none')
  button.focus()
}

async function post (form, action, submitter) {
  const data = new FormData(form)
  // Buttons submit the organisation's slug through their own name and value.
  if (submitter?.name) data.set(submitter.name, submitter.value)
  const response = await fetch(action, {
    method: 'POST',
    body: data,
    headers: { Accept: 'application/json' },
    credentials: 'same-origin'
  })
  return { ok: response.ok, answer: await response.json() }
}

// The ordinary form post, for when the enhanced one cannot be made: unlike a click, submit()
// sends no button, so the button's name, value and action are carried over.
function submitPlainly (form, submitter) {
  if (submitter?.name) {
    form.append(element('input', { type: 'hidden', name: submitter.name, value: submitter.value }))
  }
  if (submitter?.hasAttribute('formaction')) form.action = submitter.formAction
  form.submit()
}

async function addToShortlist (form, submitter) {
  const place = submitter?.closest('.app-shortlist-button')
  const { ok, answer } = await post(form, form.action, submitter)
  if (!ok) {
    announce(form, 'The organisation could not be added. Try again.')
    return
  }
  if (answer.rename) offerShortlist(answer.shortlist)
  if (place) {
    const title = place.closest('.app-result')?.querySelector('.app-result__title')
    showAdded(place, answer, title ? title.textContent.trim() : '')
  }
  announce(form, answer.message)
}

async function undoAdd (form, submitter) {
  const place = document.querySelector(
    `.app-shortlist-button:has([formaction="${submitter.getAttribute('formaction')}"])`)
  const { ok, answer } = await post(form, submitter.formAction)
  if (!ok) {
    announce(form, 'The organisation could not be taken off the shortlist. Try again.')
    return
  }
  if (place) showAddAgain(place)
  announce(form, answer.message)
}

document.addEventListener('submit', async (event) => {
  const form = event.target
  const add = form.matches(ADD_SELECTOR)
  if (!add && !form.matches(UNDO_SELECTOR)) return
  event.preventDefault()
  const submitter = event.submitter
  try {
    await (add ? addToShortlist(form, submitter) : undoAdd(form, submitter))
  } catch {
    // Network trouble or an unexpected answer: the ordinary form post.
    submitPlainly(form, submitter)
  }
})
