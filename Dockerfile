# syntax=docker/dockerfile:1
# Build: docker build -t tieline .   Run: docker run -p 8000:8000 -v tieline-data:/data tieline

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY tieline ./tieline
# The CPU build of the pinned torch; PyPI's default wheel drags in CUDA (GBs).
RUN pip install --index-url https://download.pytorch.org/whl/cpu \
        --extra-index-url https://pypi.org/simple . \
    && tieline --version

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 tieline \
    && mkdir /data && chown tieline:tieline /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TIELINE_DATABASE_URL=sqlite:////data/tieline.db
USER tieline
WORKDIR /home/tieline
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
ENTRYPOINT ["tieline"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
