// The fuzz target of one kind of file, named by SCALELAB_FUZZ_KIND (set by scalelab_add_loader_fuzzer in
// fuzz/CMakeLists.txt): every input goes through the kind's loader and fuzz::loader_problem.
#include "checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static const scalelab::fuzz::FileKind& kind = scalelab::fuzz::file_kind(SCALELAB_FUZZ_KIND);
  return scalelab::fuzz::fuzz_loader(kind, data, size);
}
