# The front door. On a fresh Debian 12 machine, as root:
#   make test   install dependencies, build, run the whole test suite
#   make demo   install dependencies, build, run the main job
#
# Other targets: deps, build, test-deploy (the images and the compose stack,
# built and run with a dockerd of its own), build-cuda (the worker and its
# tests against LibTorch 2.x with CUDA, docs/worker.md), clean, format.
# Variables: BUILD_DIR, CUDA_BUILD_DIR, JOBS.

BUILD_DIR ?= build
CUDA_BUILD_DIR ?= build-cuda
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNASPRUNE_WERROR=ON

.PHONY: all deps build build-cuda test test-deploy demo clean format

all: build

deps:
	@NASPRUNE_BUILD_DIR=$(BUILD_DIR) scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The worker against PyPI's LibTorch with CUDA (scripts/build-cuda.sh): built
# with warnings as errors, its tests run on the CPU device.
build-cuda:
	@NASPRUNE_BUILD_DIR=$(BUILD_DIR) NASPRUNE_CUDA_BUILD_DIR=$(CUDA_BUILD_DIR) \
	  scripts/install-deps.sh --cuda
	JOBS=$(JOBS) scripts/build-cuda.sh $(CUDA_BUILD_DIR)

# Everything but the `bench` label; a run that finds no test fails.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --no-tests=error -j $(JOBS) \
	  -LE bench --timeout 900

# docs/operations.md: builds the images, runs the compose stack on loopback,
# submits a job, downloads its model, checks Prometheus; root only.
test-deploy: build
	tests/deploy/test_deploy.sh $(BUILD_DIR)

demo: build
	@scripts/demo.sh $(BUILD_DIR)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(CUDA_BUILD_DIR)
