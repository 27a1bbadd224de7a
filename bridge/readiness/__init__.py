"""Connection tests before a session, judged: the estimated audio quality of a hall's link
(``emodel``) and the verdict a hall's measurements earn — ready, warning or not ready, each
reason in Vietnamese and English with advice the hall can act on (``verdict``).

Pure: numbers in, a verdict out. The media checks that measure them, the storage of results
and the readiness board are elsewhere (docs/connection-tests.md)."""
