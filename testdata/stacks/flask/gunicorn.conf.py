# Gunicorn's settings for this app: part of the code, as in a real deployment, so a change
# here is measured as a change of the stack (stackgate.toml only says how to start it).
# Sync workers: one request at a time per process, so the worker count bounds how many
# requests can wait on the database at once.
worker_class = "sync"
workers = 4
# Import the app once in the master and fork the workers from it: a faster start. Each
# worker still opens its own database connection, on its first request after the fork.
preload_app = True
# Sync workers close the connection after every response (they ignore keepalive); with a
# threaded or async worker class, keep idle connections longer than the load's pauses.
keepalive = 75
# Stop within stackgate's grace (5 s) after SIGTERM.
graceful_timeout = 3
# No access log: one line per request would cost more than the request.
accesslog = None
