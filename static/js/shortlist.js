// "Add to shortlist" without reloading the page. Without JavaScript the same forms post
// normally and the server redirects back with a message; this only saves the round trip.
// Listens on the document because the search page swaps its results in place.

const FORM_SELECTOR = 'form[data-module="app-shortlist-add"]'

function statusRegion (form) {
  return form.querySelector('.app-shortlist-status') ?? document.querySelector('.app-shortlist-status')
}

async function addToShortlist (event) {
  const form = event.target.closest(FORM_SELECTOR)
  if (!form) return
  const data = new FormData(form)
  // Buttons submit the organisation's slug through their own name and value.
  if (event.submitter?.name) data.set(event.submitter.name, event.submitter.value)
  event.preventDefault()
  const status = statusRegion(form)
  try {
    const response = await fetch(form.action, {
      method: 'POST',
      body: data,
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    })
    const answer = await response.json()
    if (answer.redirect) {
      window.location.assign(answer.redirect)
    } else if (response.ok) {
      if (status) status.textContent = answer.message
    } else {
      if (status) status.textContent = 'The organisation could not be added. Try again.'
    }
  } catch {
    // Network trouble or an unexpected answer: fall back to the ordinary form post, which
    // (unlike a click) sends no button, so the button's value goes in a hidden field.
    if (event.submitter?.name) {
      const field = document.createElement('input')
      field.type = 'hidden'
      field.name = event.submitter.name
      field.value = event.submitter.value
      form.append(field)
    }
    form.submit()
  }
}

document.addEventListener('submit', addToShortlist)
