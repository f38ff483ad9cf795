-- wrk script: POST the file named by BODY_FILE (an /ingest upload unless CONTENT_TYPE says otherwise)
wrk.method = "POST"
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/octet-stream"
