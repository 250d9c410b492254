"""The demo: fictional organisations (fixtures/demo), and in development the demo accounts and
their working set, so that every feature has something to show after `make run`. It sits at
the top of the layers, beside config, as it fills every app."""
