// Inviting an organisation to a consortium: GOV.UK's accessible autocomplete (from npm, loaded
// before this file as window.accessibleAutocomplete) suggests organisations from the server's
// search as people type, in place of the search form and its list of matches. Without
// JavaScript the page searches on the server instead; the directory is too large to list.

const MIN_CHARACTERS = 2

function element (tag, properties, ...children) {
  const made = Object.assign(document.createElement(tag), properties)
  made.append(...children)
  return made
}

function suggestionsFrom (url) {
  let pending
  return async (query, populateResults) => {
    pending?.abort()
    pending = new AbortController()
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        signal: pending.signal
      })
      populateResults((await response.json()).results)
    } catch (error) {
      if (error.name !== 'AbortError') populateResults([])
    }
  }
}

function enhance (container) {
  const form = container.closest('form')
  const checked = container.querySelector('input[name="organisation"]:checked')
  const chosenLabel = checked ? document.querySelector(`label[for="${checked.id}"]`).textContent.trim() : ''
  const errors = [...container.querySelectorAll('.govuk-error-message')]
  const chosen = element('input', { type: 'hidden', name: 'organisation', value: checked?.value ?? '' })
  // The id the error summary links to for this field (radios link to their first option).
  const inputId = 'id_organisation_1'
  const wrapper = element('div')
  const group = element(
    'div',
    { className: `govuk-form-group${errors.length ? ' govuk-form-group--error' : ''}` },
    element('label', { className: 'govuk-label govuk-label--s', htmlFor: inputId }, 'Organisation to invite'),
    element('div', { className: 'govuk-hint' }, 'Start typing its name, or its charity, company or society number, then choose it from the list'),
    ...errors,
    wrapper
  )
  container.replaceChildren(group, chosen)
  window.accessibleAutocomplete({
    element: wrapper,
    id: inputId,
    source: suggestionsFrom(container.dataset.source),
    minLength: MIN_CHARACTERS,
    defaultValue: chosenLabel,
    showNoOptionsFound: true,
    tNoResults: () => 'No organisation that can be invited matches',
    templates: {
      inputValue: (suggestion) => suggestion?.label ?? '',
      suggestion: (suggestion) => (typeof suggestion === 'string' ? suggestion : suggestion.label)
    },
    onConfirm: (suggestion) => {
      if (suggestion) chosen.value = suggestion.id
    }
  })
  // Typing again forgets the organisation chosen before: only a chosen suggestion is posted.
  document.getElementById(inputId).addEventListener('input', () => { chosen.value = '' })
  for (const search of document.querySelectorAll('.app-invite-search')) search.hidden = true
  form.hidden = false
}

const container = document.querySelector('[data-module="app-organisation-autocomplete"]')
if (container && window.accessibleAutocomplete) enhance(container)
