// The switches tch 0.24 does not bind: at::globalContext()'s deterministic-algorithm and cuDNN
// settings (what torch.use_deterministic_algorithms and torch.backends.cudnn.* set in Python).
#include <ATen/Context.h>

extern "C" {
void runvar_set_deterministic(bool on) {
  at::globalContext().setDeterministicAlgorithms(on, /*warn_only=*/false);
  at::globalContext().setDeterministicCuDNN(on);
  at::globalContext().setBenchmarkCuDNN(!on);
}

bool runvar_deterministic_algorithms() {
  return at::globalContext().deterministicAlgorithms();
}
}
