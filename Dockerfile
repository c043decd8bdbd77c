# The function's image (func.yaml `runtime: docker`: `fn build` and `fn deploy` use this file).
# What fn generates for `runtime: python3.11`, plus compiled bytecode: OCI mounts /function read-only,
# so without .pyc files every cold start would compile forwarder/ again (docs/benchmark.md).
FROM fnproject/python:3.11-dev AS build-stage
WORKDIR /function
ADD requirements.txt image/prune.py /function/
# Only what the function imports: the SDK's services it calls, no test or build tools of the dependencies
# (image/prune.py says what goes and why; tests/test_image.py runs the function from the pruned tree).
RUN pip3 install --target /python/ --no-cache --no-cache-dir -r requirements.txt && \
    python3.11 prune.py /python && \
    rm -fr ~/.cache/pip /tmp* requirements.txt prune.py && \
    chmod -R o+r /python
# Only what the function runs: not tests/, bench/, terraform/ or a local .venv. files/ holds what config
# keys name as paths (CA bundles, rule files: files/README.md).
ADD func.py /function/
ADD forwarder /function/forwarder
ADD files /function/files
# unchecked-hash: the .pyc files are used whatever the files' times become in the image.
RUN python3.11 -m compileall -q -j 0 --invalidation-mode unchecked-hash /function /python

FROM fnproject/python:3.11
WORKDIR /function
COPY --from=build-stage /python /python
COPY --from=build-stage /function /function
RUN chmod -R o+r /function
ENV PYTHONPATH=/function:/python
ENTRYPOINT ["/python/bin/fdk", "/function/func.py", "handler"]
