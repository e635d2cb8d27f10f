"""The one-stop desk (``/mot-cua/``): what a receiver does all day, in the browser.

Find the procedure, tick the documents handed over, fill the applicant from the national ID
(the population-data adapter, ``motcua.integrations.population``), then receive — or ask for
completion, or reject at reception — in one POST through ``dossiers.services.intake``; check
the dossiers submitted online or by post, take in supplements, hand over results and record
withdrawals through ``dossiers.services.perform``. See docs/web.md, "The reception desk".
"""
