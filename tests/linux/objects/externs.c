/* Externs libbpf resolves at load time: kconfig values (.kconfig), a typed and an untyped
 * ksym and a kfunc (.ksyms). The array index makes the verdict depend on a config value. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_BPFCERT_INDEX __kconfig;
extern _Bool CONFIG_BPFCERT_FLAG __kconfig __weak;
extern char CONFIG_BPFCERT_NAME[8] __kconfig __weak;
extern enum libbpf_tristate CONFIG_BPFCERT_TRI __kconfig __weak;

struct bpfcert_counter {
  int value;
};
extern const struct bpfcert_counter bpfcert_typed_ksym __ksym;
extern const void bpfcert_untyped_ksym __ksym;
extern int bpfcert_kfunc(int x) __ksym;

char table[4] = {1, 2, 3, 4};

SEC("xdp") int kconfig_index(struct xdp_md *ctx) {
  /* In bounds only when CONFIG_BPFCERT_INDEX is 0..3. */
  if (LINUX_KERNEL_VERSION < 0x040000) return XDP_ABORTED;
  return table[CONFIG_BPFCERT_INDEX & 7] + CONFIG_BPFCERT_FLAG + CONFIG_BPFCERT_NAME[0] + CONFIG_BPFCERT_TRI;
}

SEC("tp_btf/bpfcert") int ksyms(void *ctx) {
  return (long)&bpfcert_typed_ksym + (long)&bpfcert_untyped_ksym + bpfcert_kfunc(1);
}

char __license[] SEC("license") = "GPL";
