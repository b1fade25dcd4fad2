#include "interp/helpers.h"

#include <fmt/format.h>

#include <cstring>

namespace bpfcert::interp {
namespace {

Map* map_arg(HelperContext& ctx, uint64_t handle, const char* helper) {
  Map* m = ctx.env.map_from_handle(handle);
  if (m == nullptr) ctx.fault(fmt::format("{}: r1 = {:#x} is not a map", helper, handle));
  return m;
}

bool readable_arg(HelperContext& ctx, uint64_t addr, uint64_t len, const char* helper, const char* what) {
  if (ctx.memory.readable(addr, len)) return true;
  ctx.fault(fmt::format("{}: {} at {:#x} ({} bytes) is not readable: {}", helper, what, addr, len,
                        ctx.memory.describe(addr)));
  return false;
}

uint64_t map_lookup_elem(HelperContext& ctx, uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
  Map* m = map_arg(ctx, map, "bpf_map_lookup_elem");
  if (m == nullptr || !readable_arg(ctx, key, m->def().key_size, "bpf_map_lookup_elem", "key")) return 0;
  return reinterpret_cast<uint64_t>(m->lookup(reinterpret_cast<const uint8_t*>(key)));
}

uint64_t map_update_elem(HelperContext& ctx, uint64_t map, uint64_t key, uint64_t value, uint64_t flags, uint64_t) {
  Map* m = map_arg(ctx, map, "bpf_map_update_elem");
  if (m == nullptr || !readable_arg(ctx, key, m->def().key_size, "bpf_map_update_elem", "key") ||
      !readable_arg(ctx, value, m->def().value_size, "bpf_map_update_elem", "value")) {
    return 0;
  }
  return static_cast<uint64_t>(
      m->update(reinterpret_cast<const uint8_t*>(key), reinterpret_cast<const uint8_t*>(value), flags));
}

uint64_t map_delete_elem(HelperContext& ctx, uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
  Map* m = map_arg(ctx, map, "bpf_map_delete_elem");
  if (m == nullptr || !readable_arg(ctx, key, m->def().key_size, "bpf_map_delete_elem", "key")) return 0;
  return static_cast<uint64_t>(m->erase(reinterpret_cast<const uint8_t*>(key)));
}

uint64_t map_push_elem(HelperContext& ctx, uint64_t map, uint64_t value, uint64_t flags, uint64_t, uint64_t) {
  Map* m = map_arg(ctx, map, "bpf_map_push_elem");
  if (m == nullptr || !readable_arg(ctx, value, m->def().value_size, "bpf_map_push_elem", "value")) return 0;
  return static_cast<uint64_t>(m->push(reinterpret_cast<const uint8_t*>(value), flags));
}

uint64_t map_pop_or_peek(HelperContext& ctx, uint64_t map, uint64_t value, bool remove, const char* helper) {
  Map* m = map_arg(ctx, map, helper);
  if (m == nullptr) return 0;
  // A bloom filter's peek reads the value it looks for; the others write the element out.
  const bool bloom = m->def().type == MapType::BloomFilter;
  const bool ok = bloom ? ctx.memory.readable(value, m->def().value_size) : ctx.memory.writable(value, m->def().value_size);
  if (!ok) {
    return ctx.fault(fmt::format("{}: value at {:#x} ({} bytes) is not {}: {}", helper, value, m->def().value_size,
                                 bloom ? "readable" : "writable", ctx.memory.describe(value)));
  }
  return static_cast<uint64_t>(m->pop(reinterpret_cast<uint8_t*>(value), remove));
}

uint64_t map_pop_elem(HelperContext& ctx, uint64_t map, uint64_t value, uint64_t, uint64_t, uint64_t) {
  return map_pop_or_peek(ctx, map, value, true, "bpf_map_pop_elem");
}

uint64_t map_peek_elem(HelperContext& ctx, uint64_t map, uint64_t value, uint64_t, uint64_t, uint64_t) {
  return map_pop_or_peek(ctx, map, value, false, "bpf_map_peek_elem");
}

uint64_t perf_event_read(HelperContext& ctx, uint64_t map, uint64_t, uint64_t, uint64_t, uint64_t) {
  Map* m = map_arg(ctx, map, "bpf_perf_event_read");
  if (m != nullptr && m->def().type != MapType::PerfEventArray) {
    return ctx.fault(fmt::format("bpf_perf_event_read: r1 = {:#x} is not a perf event array", map));
  }
  return static_cast<uint64_t>(kENOENT);
}

uint64_t perf_event_read_value(HelperContext& ctx, uint64_t map, uint64_t, uint64_t buf, uint64_t size, uint64_t) {
  Map* m = map_arg(ctx, map, "bpf_perf_event_read_value");
  if (m == nullptr) return 0;
  if (m->def().type != MapType::PerfEventArray) {
    return ctx.fault(fmt::format("bpf_perf_event_read_value: r1 = {:#x} is not a perf event array", map));
  }
  if (size != 0 && !ctx.memory.writable(buf, size)) {
    return ctx.fault(fmt::format("bpf_perf_event_read_value: buffer at {:#x} ({} bytes) is not writable: {}", buf, size,
                                 ctx.memory.describe(buf)));
  }
  if (size != 0) std::memset(reinterpret_cast<void*>(buf), 0, size);
  return static_cast<uint64_t>(kENOENT);
}

uint64_t override_return(HelperContext& ctx, uint64_t regs, uint64_t rc, uint64_t, uint64_t, uint64_t) {
  if (!readable_arg(ctx, regs, 1, "bpf_override_return", "context")) return 0;
  ctx.env.trace_output += fmt::format("override_return: {}\n", static_cast<int64_t>(rc));
  return 0;
}

uint64_t csum_diff(HelperContext& ctx, uint64_t from, uint64_t from_size, uint64_t to, uint64_t to_size, uint64_t seed) {
  // Linux: both sizes multiples of 4, their sum at most 512 bytes (the per-CPU scratch buffer).
  if (from_size % 4 != 0 || to_size % 4 != 0 || from_size + to_size > 512 || from_size > 512 || to_size > 512) {
    return static_cast<uint64_t>(kEINVAL);
  }
  if ((from_size != 0 && !readable_arg(ctx, from, from_size, "bpf_csum_diff", "from")) ||
      (to_size != 0 && !readable_arg(ctx, to, to_size, "bpf_csum_diff", "to"))) {
    return 0;
  }
  // csum_partial over the words: a 32-bit one's complement sum (end-around carry).
  uint64_t sum = static_cast<uint32_t>(seed);
  for (uint64_t i = 0; i < from_size; i += 4) {
    uint32_t w = 0;
    std::memcpy(&w, reinterpret_cast<const uint8_t*>(from) + i, 4);
    sum += static_cast<uint32_t>(~w);
  }
  for (uint64_t i = 0; i < to_size; i += 4) {
    uint32_t w = 0;
    std::memcpy(&w, reinterpret_cast<const uint8_t*>(to) + i, 4);
    sum += w;
  }
  while (sum >> 32) sum = (sum & 0xffffffffu) + (sum >> 32);
  return sum;
}

uint64_t ktime_get_ns(HelperContext& ctx, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  // A virtual clock: deterministic, strictly increasing.
  ctx.env.clock_ns += 1000;
  return ctx.env.clock_ns;
}

uint64_t get_prandom_u32(HelperContext& ctx, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  uint64_t& s = ctx.env.prandom_state;  // xorshift64*: deterministic per environment
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return (s * 0x2545f4914f6cdd1dull) >> 32;
}

uint64_t get_smp_processor_id(HelperContext&, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }

uint64_t trace_printk(HelperContext& ctx, uint64_t fmt_addr, uint64_t fmt_size, uint64_t a, uint64_t b, uint64_t c) {
  if (fmt_size == 0 || fmt_size > 4096) return ctx.fault(fmt::format("bpf_trace_printk: format size {} invalid", fmt_size));
  if (!readable_arg(ctx, fmt_addr, fmt_size, "bpf_trace_printk", "format")) return 0;
  std::string_view f(reinterpret_cast<const char*>(fmt_addr), fmt_size);
  if (const size_t nul = f.find('\0'); nul != std::string_view::npos) f = f.substr(0, nul);
  const uint64_t args[3] = {a, b, c};
  std::string text = format_trace(ctx, f, args);
  if (ctx.faulted) return 0;
  ctx.env.trace_output += text;
  return text.size();
}

uint64_t test_sum5(HelperContext&, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  return a + b + c + d + e;
}

uint64_t test_mul(HelperContext&, uint64_t a, uint64_t b, uint64_t, uint64_t, uint64_t) { return a * b; }

uint64_t test_memset(HelperContext& ctx, uint64_t dst, uint64_t byte, uint64_t len, uint64_t, uint64_t) {
  if (len == 0) return 0;
  if (!ctx.memory.writable(dst, len)) {
    return ctx.fault(fmt::format("bpfcert_kfunc_memset: {} bytes at {:#x} are not writable: {}", len, dst,
                                 ctx.memory.describe(dst)));
  }
  std::memset(reinterpret_cast<void*>(dst), static_cast<int>(byte & 0xff), len);
  return len;
}

}  // namespace

std::string format_trace(HelperContext& ctx, std::string_view f, const uint64_t args[3]) {
  std::string out;
  int next = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    int longs = 0;
    while (j < f.size() && f[j] == 'l') {
      ++longs;
      ++j;
    }
    if (j >= f.size() || next >= 3) {
      out += f.substr(i);
      break;
    }
    const uint64_t v = args[next++];
    const uint64_t narrow = longs > 0 ? v : static_cast<uint32_t>(v);
    switch (f[j]) {
      case 'd':
      case 'i':
        out += longs > 0 ? fmt::format("{}", static_cast<int64_t>(v)) : fmt::format("{}", static_cast<int32_t>(v));
        break;
      case 'u': out += fmt::format("{}", narrow); break;
      case 'x': out += fmt::format("{:x}", narrow); break;
      case 'p': out += fmt::format("{:#x}", v); break;
      case 'c': out += static_cast<char>(v); break;
      case 's': {
        // Linux copies the string with strncpy_from_kernel_nofault and prints an empty string
        // when any byte faults (bpf_bprintf_prepare): never a fault of the program, so a
        // verifier need not bound the read.
        std::string s;
        for (uint64_t p = v; s.size() < 256; ++p) {
          if (!ctx.memory.readable(p, 1)) {
            s.clear();
            break;
          }
          const char ch = *reinterpret_cast<const char*>(p);
          if (ch == '\0') break;
          s += ch;
        }
        out += s;
        break;
      }
      default: out += f.substr(i, j - i + 1); break;
    }
    i = j;
  }
  return out;
}

void add_standard_helpers(Environment& env) {
  env.add_helper({helper_id::kMapLookupElem, "bpf_map_lookup_elem", map_lookup_elem});
  env.add_helper({helper_id::kMapUpdateElem, "bpf_map_update_elem", map_update_elem});
  env.add_helper({helper_id::kMapDeleteElem, "bpf_map_delete_elem", map_delete_elem});
  env.add_helper({helper_id::kKtimeGetNs, "bpf_ktime_get_ns", ktime_get_ns});
  env.add_helper({helper_id::kTracePrintk, "bpf_trace_printk", trace_printk});
  env.add_helper({helper_id::kGetPrandomU32, "bpf_get_prandom_u32", get_prandom_u32});
  env.add_helper({helper_id::kGetSmpProcessorId, "bpf_get_smp_processor_id", get_smp_processor_id});
  env.add_helper({helper_id::kMapPushElem, "bpf_map_push_elem", map_push_elem});
  env.add_helper({helper_id::kMapPopElem, "bpf_map_pop_elem", map_pop_elem});
  env.add_helper({helper_id::kMapPeekElem, "bpf_map_peek_elem", map_peek_elem});
}

void add_checksum_helpers(Environment& env) { env.add_helper({helper_id::kCsumDiff, "bpf_csum_diff", csum_diff}); }

void add_tracing_helpers(Environment& env) {
  env.add_helper({helper_id::kPerfEventRead, "bpf_perf_event_read", perf_event_read});
  env.add_helper({helper_id::kPerfEventReadValue, "bpf_perf_event_read_value", perf_event_read_value});
  env.add_helper({helper_id::kOverrideReturn, "bpf_override_return", override_return});
}

void add_test_helpers(Environment& env) {
  env.add_helper({helper_id::kTestSum5, "bpfcert_test_sum5", test_sum5});
  env.add_kfunc({kfunc_id::kSum5, "bpfcert_kfunc_sum5", test_sum5});
  env.add_kfunc({kfunc_id::kMul, "bpfcert_kfunc_mul", test_mul});
  env.add_kfunc({kfunc_id::kMemset, "bpfcert_kfunc_memset", test_memset});
}

}  // namespace bpfcert::interp
