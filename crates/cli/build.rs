//! Give this package's binaries and tests a run-time path to libtorch, so they run from any
//! directory without LD_LIBRARY_PATH. torch-sys finds libtorch through LIBTORCH (set in
//! .cargo/config.toml to ./libtorch); a library crate's link arguments do not reach the
//! binaries of other packages, hence this script in each package that links.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(dir) = std::env::var("LIBTORCH") {
        let lib = std::path::Path::new(&dir).join("lib");
        let lib = lib.canonicalize().unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
