//! Link flags for a libc-free static executable. Given to binaries only: the same
//! flags in RUSTFLAGS would also reach build scripts and break them.
//!
//! Two spellings of the same flags: the host build links through `cc` (the default
//! linker), the cross builds (`.cargo/config.toml`) call the toolchain's `rust-lld`
//! directly, in ld flavour, where `-Wl,` and `-nostartfiles` do not exist. Nothing here
//! links libc, so no cross C toolchain is needed.
use std::{env, fs, path::Path, path::PathBuf};

/// For `cc`: the host default.
const CC_FLAGS: &[&str] = &[
    "-nostartfiles",
    "-nostdlib",
    "-static",
    "-no-pie",
    "-Wl,--gc-sections",
    "-Wl,--build-id=none",
    "-Wl,-z,norelro",
    "-Wl,--no-eh-frame-hdr",
];

/// For an ld-flavour linker (rust-lld, ld.lld, ld). rustc itself passes `-pie`,
/// `-z relro` and `--eh-frame-hdr` to such a linker for the -gnu targets: the
/// later flags below override them (lld takes the last of each pair). No start files
/// or libraries are added in this flavour, so there is nothing to switch off.
const LD_FLAGS: &[&str] = &[
    "-static",
    "--no-pie",
    "--no-dynamic-linker",
    "--gc-sections",
    "--build-id=none",
    "-znorelro",
    "--no-eh-frame-hdr",
];

/// The whole layout: code and constants in one read-only, executable segment that also
/// maps the ELF and program headers, zero-initialised statics in a writable one that takes
/// no room in the file, and the stack marked non-executable. The default layout spends a
/// program header on a segment for the constants and one on PT_PHDR, which only a dynamic
/// loader reads: 184 bytes. There is no initialised writable data (no `static mut`, no
/// allocator); the assertion keeps it so. Constant tables of pointers (`.data.rel.ro`) are
/// read-only here: a static, non-PIE executable has no relocations left to apply at run
/// time. Unwind tables are dead weight with panic=abort and no unwinder; rustc emits them
/// anyway, so they go.
const LINKER_SCRIPT: &str = "\
ENTRY(_start)
PHDRS { text PT_LOAD FILEHDR PHDRS FLAGS(5); bss PT_LOAD FLAGS(6); stack PT_GNU_STACK FLAGS(6); }
SECTIONS {
  . = 0x200000 + SIZEOF_HEADERS;
  .text : { *(.text._start) *(.text .text.*) *(.rodata .rodata.*) *(.srodata .srodata.*) *(.data.rel.ro .data.rel.ro.*) } :text
  . += 0x1000;
  .data : { *(.data .data.* .sdata .sdata.*) } :bss
  .bss (NOLOAD) : { *(.bss .bss.* .sbss .sbss.*) } :bss
  /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) *(.comment) *(.note .note.*) }
}
ASSERT(SIZEOF(.data) == 0, \"crumb-init has no initialised writable data: the layout maps none\");
";

/// Whether the linker cargo resolved for the target (`RUSTC_LINKER`, set when a
/// `target.<triple>.linker` is configured) takes ld's command line rather than cc's.
fn ld_flavour(linker: &Path) -> bool {
    let stem = linker.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    stem == "ld" || stem.ends_with("-ld") || stem.ends_with("lld")
}

fn main() {
    let script =
        PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("crumb-init.ld");
    fs::write(&script, LINKER_SCRIPT).expect("write the linker script");
    let ld = env::var_os("RUSTC_LINKER").is_some_and(|linker| ld_flavour(Path::new(&linker)));
    let script = script.display();
    if ld {
        for arg in LD_FLAGS {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
        println!("cargo:rustc-link-arg-bins=-T");
        println!("cargo:rustc-link-arg-bins={script}");
    } else {
        for arg in CC_FLAGS {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
        println!("cargo:rustc-link-arg-bins=-Wl,-T,{script}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
