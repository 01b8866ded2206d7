"""Settlement with institutions (残疾儿童康复救助 结算): effective-dated rules, yearly/monthly batches
of lines per institution, maker-checker approval, payment and the bank export.

``rules`` is the pure calculation, ``actions`` the writes (set-based generation, approval,
payment), ``selectors`` the reads, ``export`` the workbook, ``handlers`` the job kind
("settlement.generate"), ``views`` + ``urls`` the pages, ``api`` the /api/v1/ endpoints.
"""
