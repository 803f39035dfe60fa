"""The load tests: locust's scenario (locustfile.py, run by run.sh), the heaviest-answers load (heavy.py,
run by heavy.sh and the tests) and the Dash request builder both use (dashflow.py)."""
