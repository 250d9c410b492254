#!/usr/bin/env node
// Front-end build for the Rehabilitation Partners Directory. No bundler: Sass for the CSS,
// and a copy of the prebuilt GOV.UK Frontend ES module bundle.
//
//   npm run build          compile CSS and copy the GOV.UK Frontend JavaScript
//   npm run build:css      compile CSS only
//   npm run clean          remove static/dist/
//
// Output (git-ignored, collected by collectstatic):
//   static/dist/css/main.css              from static/scss/main.scss (compressed, no source map)
//   static/dist/govuk-frontend.min.js     imported by static/js/app.js as ../dist/govuk-frontend.min.js
//   static/dist/accessible-autocomplete.min.{js,css}   the GOV.UK accessible autocomplete, for
//                                         pages that search on the server as people type
//
// Nothing is copied from govuk-frontend/dist/govuk/assets: the fonts are GDS Transport,
// which only GOV.UK may use, and every image there (favicons, touch icons, mask icon,
// Open Graph image, footer crest) carries the crown. The service's own favicon is
// static/images/favicon.svg.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const nodeModules = path.join(root, 'node_modules')
const dist = path.join(root, 'static', 'dist')
const govukDist = path.join(nodeModules, 'govuk-frontend', 'dist', 'govuk')
const autocompleteDist = path.join(nodeModules, 'accessible-autocomplete', 'dist')

const args = new Set(process.argv.slice(2))

async function clean () {
  await rm(dist, { recursive: true, force: true })
  console.log('removed static/dist/')
}

async function buildCss () {
  const input = path.join(root, 'static', 'scss', 'main.scss')
  const output = path.join(dist, 'css', 'main.css')
  const result = sass.compile(input, {
    loadPaths: [nodeModules],
    style: 'compressed',
    sourceMap: false,
    // Keep warnings about our own code; GOV.UK Frontend's own are its maintainers' to fix.
    quietDeps: true
  })
  const css = result.css
  if (/GDS Transport/i.test(css)) {
    throw new Error('main.css refers to the GDS Transport font: check $govuk-font-family')
  }
  if (/govuk-crest/i.test(css)) {
    throw new Error('main.css refers to the GOV.UK crest: check app-image-url in main.scss')
  }
  await mkdir(path.dirname(output), { recursive: true })
  await writeFile(output, css + '\n')
  console.log(`wrote ${path.relative(root, output)} (${Buffer.byteLength(css)} bytes)`)
}

// Prebuilt files copied as they are: [source, name in static/dist/].
const COPIED = [
  [path.join(govukDist, 'govuk-frontend.min.js'), 'govuk-frontend.min.js'],
  [path.join(autocompleteDist, 'accessible-autocomplete.min.js'), 'accessible-autocomplete.min.js'],
  [path.join(autocompleteDist, 'accessible-autocomplete.min.css'), 'accessible-autocomplete.min.css']
]

async function copyJs () {
  await mkdir(dist, { recursive: true })
  for (const [source, name] of COPIED) {
    const target = path.join(dist, name)
    // Drop the sourceMappingURL comment: we do not ship the map, and Django's
    // ManifestStaticFilesStorage fails collectstatic on a reference to a missing file.
    const text = (await readFile(source, 'utf8'))
      .replace(/\n?\/[/*]# sourceMappingURL=\S+\s*(\*\/)?\s*$/, '\n')
    await writeFile(target, text)
    console.log(`wrote ${path.relative(root, target)}`)
  }
}

if (args.has('--clean')) {
  await clean()
} else {
  await buildCss()
  if (!args.has('--css-only')) {
    await copyJs()
  }
}
