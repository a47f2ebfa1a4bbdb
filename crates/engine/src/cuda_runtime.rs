//! The few CUDA runtime calls runvar makes itself: free memory, and what the GPU and its
//! libraries are, for the record of a run. They go to the runtime (`libcudart`) and cuDNN that
//! libtorch's CUDA backend has already loaded, so call them only once a CUDA device is in use.

use libloading::os::unix::{Library, RTLD_LAZY};

/// glibc's `RTLD_NOLOAD` (`<dlfcn.h>`), which libloading does not export.
const RTLD_NOLOAD: std::os::raw::c_int = 0x4;

/// A library the process has already loaded, by any of `names`; never loads one.
fn loaded(names: &[&str]) -> Option<Library> {
    names.iter().find_map(|name| {
        // SAFETY: RTLD_NOLOAD only returns a handle to a library already in the process (its
        // initialisers have run), bumping its reference count; nothing new is loaded.
        unsafe { Library::open(Some(name), RTLD_LAZY | RTLD_NOLOAD) }.ok()
    })
}

fn cudart() -> Option<Library> {
    loaded(&["libcudart.so.13", "libcudart.so.12", "libcudart.so"])
}

/// `cudaMemGetInfo` of the current device: (free, total) bytes.
pub(crate) fn mem_info() -> Option<(f64, f64)> {
    type MemGetInfo = unsafe extern "C" fn(*mut usize, *mut usize) -> i32;
    let lib = cudart()?;
    // SAFETY: cudaMemGetInfo writes two size_t values through valid pointers and returns an
    // error code.
    unsafe {
        let f = lib.get::<MemGetInfo>(b"cudaMemGetInfo\0").ok()?;
        let (mut free, mut total) = (0usize, 0usize);
        (f(&mut free, &mut total) == 0).then_some((free as f64, total as f64))
    }
}

/// A CUDA version number (1000 * major + 10 * minor) as `major.minor`.
fn version(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

/// GPU `index` and its software, for a run's record: `cuda:0 (NVIDIA H100 80GB HBM3; CUDA
/// runtime 13.0, driver 13.0, cuDNN 91900)`, leaving out what cannot be read.
pub(crate) fn describe(index: usize) -> String {
    let mut parts = Vec::new();
    let mut name = None;
    if let Some(lib) = cudart() {
        type GetProperties = unsafe extern "C" fn(*mut u8, i32) -> i32;
        type GetVersion = unsafe extern "C" fn(*mut i32) -> i32;
        // SAFETY: cudaGetDeviceProperties(_v2) fills a cudaDeviceProp, about 1 KB in CUDA 12
        // and 13, whose first field is the device name as a NUL-terminated char[256]; the
        // buffer is 16 KB and zeroed, so the name is terminated whatever the struct's size.
        // The version getters write one int each.
        unsafe {
            let props = lib
                .get::<GetProperties>(b"cudaGetDeviceProperties_v2\0")
                .or_else(|_| lib.get::<GetProperties>(b"cudaGetDeviceProperties\0"));
            if let Ok(f) = props {
                let mut buf = vec![0u8; 16 * 1024];
                if f(buf.as_mut_ptr(), index as i32) == 0 {
                    let end = buf[..256].iter().position(|&b| b == 0).unwrap_or(256);
                    name = Some(String::from_utf8_lossy(&buf[..end]).into_owned());
                }
            }
            for (symbol, what) in [
                (&b"cudaRuntimeGetVersion\0"[..], "CUDA runtime"),
                (&b"cudaDriverGetVersion\0"[..], "driver"),
            ] {
                let mut v = 0i32;
                if let Ok(f) = lib.get::<GetVersion>(symbol) {
                    if f(&mut v) == 0 && v > 0 {
                        parts.push(format!("{what} {}", version(v)));
                    }
                }
            }
        }
    }
    if let Some(lib) = loaded(&["libcudnn.so.9", "libcudnn.so"]) {
        type GetVersion = unsafe extern "C" fn() -> usize;
        // SAFETY: cudnnGetVersion takes nothing and returns the library's version number.
        if let Ok(f) = unsafe { lib.get::<GetVersion>(b"cudnnGetVersion\0") } {
            parts.push(format!("cuDNN {}", unsafe { f() }));
        }
    }
    let mut details: Vec<String> = name.into_iter().collect();
    if !parts.is_empty() {
        details.push(parts.join(", "));
    }
    if details.is_empty() {
        format!("cuda:{index}")
    } else {
        format!("cuda:{index} ({})", details.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_cuda_writes_them() {
        assert_eq!(version(13000), "13.0");
        assert_eq!(version(12080), "12.8");
    }

    #[test]
    fn without_a_gpu_nothing_is_made_up() {
        if tch::Cuda::is_available() {
            return; // a GPU machine: gpu-check.sh shows the description
        }
        // libtorch_cpu loads the CUDA runtime even on a CPU build, so the runtime answers, but
        // for no device: no name, no driver, no memory.
        let d = describe(0);
        assert!(
            d == "cuda:0" || d.starts_with("cuda:0 (CUDA runtime "),
            "{d}"
        );
        assert!(!d.contains(';') && !d.contains("driver"), "{d}");
        assert_eq!(mem_info(), None);
    }
}
