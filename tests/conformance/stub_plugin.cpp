// A bpf_conformance plugin that misbehaves on purpose, to test the plugin target. The mode is
// the first plugin option (after the optional memory argument):
//   protocol  checks the exact protocol (memory "xx  " per byte in argv, program in the same
//             format on stdin ending in "\n") and prints r0 = program bytes + 1000 * memory bytes
//   answer N  prints N in hex          wrong     prints 0xdead
//   fail MSG  prints MSG, exits 1      hang      forks a child, both sleep forever
//   crash     dies of SIGSEGV          noisy     writes 8 MiB to stdout
//   garbage   prints "hello"           stderr    exits 1 with its message on stderr only
//   noread N  prints N without reading stdin (the runner's writes then fail with EPIPE)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

#include <unistd.h>

namespace {

bool exact_hex(const std::string& s) {
  if (s.size() % 4 != 0) return false;
  for (size_t i = 0; i < s.size(); i += 4) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i])) || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        s[i + 2] != ' ' || s[i + 3] != ' ') {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  std::string mem;
  const std::string modes = " protocol answer wrong fail hang crash noisy garbage stderr noread ";
  if (i < argc && modes.find(std::string(" ") + argv[i] + " ") == std::string::npos) mem = argv[i++];
  const std::string mode = i < argc ? argv[i++] : "protocol";
  const std::string arg = i < argc ? argv[i] : "";
  if (mode == "noread") {
    std::printf("%lx\n", std::strtoul(arg.c_str(), nullptr, 0));
    return 0;
  }
  const std::string program{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  if (mode == "protocol") {
    if (!mem.empty() && !exact_hex(mem)) {
      std::cout << "memory argument not in the protocol format: [" << mem << "]\n";
      return 1;
    }
    if (program.empty() || program.back() != '\n' || !exact_hex(program.substr(0, program.size() - 1))) {
      std::cout << "program on stdin not in the protocol format\n";
      return 1;
    }
    std::printf("0x%lx\n", static_cast<unsigned long>((program.size() - 1) / 4 + 1000 * (mem.size() / 4)));
    return 0;
  }
  if (mode == "answer") {
    std::printf("%lx\n", std::strtoul(arg.c_str(), nullptr, 0));
    return 0;
  }
  if (mode == "wrong") {
    std::printf("0xdead\n");
    return 0;
  }
  if (mode == "fail") {
    std::printf("%s\n", arg.c_str());
    return 1;
  }
  if (mode == "stderr") {
    std::fprintf(stderr, "%s\n", arg.c_str());
    return 3;
  }
  if (mode == "hang") {
    if (fork() == 0) {
      // The child: write our pid so the test can check the whole group was killed.
      if (!arg.empty()) {
        FILE* f = std::fopen(arg.c_str(), "w");
        if (f != nullptr) {
          std::fprintf(f, "%d\n", static_cast<int>(getpid()));
          std::fclose(f);
        }
      }
      for (;;) pause();
    }
    for (;;) pause();
  }
  if (mode == "crash") {
    std::raise(SIGSEGV);
    return 0;
  }
  if (mode == "noisy") {
    const std::string line(1023, 'x');
    for (int k = 0; k < 8 * 1024; ++k) std::cout << line << '\n';
    return 0;
  }
  if (mode == "garbage") {
    std::printf("hello\n");
    return 0;
  }
  return 2;
}
