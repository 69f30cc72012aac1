//! Link flags for a libc-free static executable. Given to binaries only: the same
//! flags in RUSTFLAGS would also reach build scripts and break them.
use std::{env, fs, path::PathBuf};

fn main() {
    // Unwind tables are dead weight with panic=abort and no unwinder; rustc emits them
    // anyway on this target, so the linker script drops them.
    let script =
        PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("crumb-init.ld");
    fs::write(&script, "SECTIONS { /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) *(.comment) } } INSERT AFTER .text;\n")
        .expect("write the linker script");
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
        "-Wl,--build-id=none",
        "-Wl,-z,norelro",
        "-Wl,--no-eh-frame-hdr",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
}
