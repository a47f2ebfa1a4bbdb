//! Compile the small C++ shim for libtorch's determinism switches, and give this package's
//! tests a run-time path to libtorch. torch-sys finds libtorch through LIBTORCH (set in
//! .cargo/config.toml to ./libtorch); a library crate's link arguments do not reach the
//! binaries of other packages, hence an rpath line in each package that links.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-changed=src/determinism.cpp");
    let dir = std::env::var("LIBTORCH").expect("LIBTORCH must point at libtorch (make setup)");
    let root = std::path::Path::new(&dir);
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    cc::Build::new()
        .cpp(true)
        .pic(true)
        .warnings(false)
        .include(root.join("include"))
        .include(root.join("include/torch/csrc/api/include"))
        .flag("-std=c++17")
        .flag("-D_GLIBCXX_USE_CXX11_ABI=1")
        .file("src/determinism.cpp")
        .compile("runvar_determinism");
    println!(
        "cargo:rustc-link-arg=-Wl,-rpath,{}",
        root.join("lib").display()
    );
}
