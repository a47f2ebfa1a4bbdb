// The switches tch 0.24 does not bind: at::globalContext()'s deterministic-algorithm and cuDNN
// settings (what torch.use_deterministic_algorithms and torch.backends.cudnn.* set in Python).
#include <ATen/Context.h>

extern "C" {
void runvar_set_deterministic(bool on) {
  at::globalContext().setDeterministicAlgorithms(on, /*warn_only=*/false);
  // Deterministic mode also fills every new tensor's memory with NaN by default, a guard
  // against kernels that read uninitialized memory; it cost about 10% of a CPU ResNet step
  // here. Runs stay bit-identical without it (the reruns tests check that).
  at::globalContext().setDeterministicFillUninitializedMemory(false);
  at::globalContext().setDeterministicCuDNN(on);
  at::globalContext().setBenchmarkCuDNN(!on);
}

bool runvar_deterministic_algorithms() {
  return at::globalContext().deterministicAlgorithms();
}
}

#include <ATen/autocast_mode.h>

extern "C" {
// bfloat16 autocast on this thread for the CPU or CUDA (what torch.autocast(device_type,
// dtype=torch.bfloat16) sets on entry and exit).
void runvar_set_autocast_bf16(bool cuda, bool on) {
  const auto device = cuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(device, at::kBFloat16);
  at::autocast::set_autocast_enabled(device, on);
  if (!on) {
    at::autocast::clear_cache();
  }
}
}
