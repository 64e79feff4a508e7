# Gunicorn's settings for this app: part of the code, as in a real deployment.
# Five sync workers: each accepts one connection, reads one request from it, answers and
# closes it (sync workers ignore keepalive). A worker that accepted a connection waits on
# it until a request comes, so a client holding idle connections holds workers.
worker_class = "sync"
workers = 5
# Stop within stackgate's grace (5 s) after SIGTERM.
graceful_timeout = 3
# No access log: one line per request would cost more than the request.
accesslog = None
