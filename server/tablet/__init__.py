"""The room tablet: one screen per room, composed of what attendance, care and health offer.

`access` decides who may open which room's screen, `board` composes the state of every child present,
`api` serves it as JSON and `views` the page; the page's scripts (static/tablet) queue each entry offline with
its idempotency key and post it to the care and health APIs.
"""
