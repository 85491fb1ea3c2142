//! Generates the protocol types from `proto/`. protoc comes from a vendored crate so a fresh
//! clone builds with nothing else installed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let include = protoc_bin_vendored::include_path()?;
    // SAFETY: build scripts are single-threaded; prost-build reads these two variables.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PROTOC", protoc);
        // Without this `google/protobuf/empty.proto` is not found.
        std::env::set_var("PROTOC_INCLUDE", &include);
    }
    let protos = ["proto/tfplugin6.proto", "proto/goplugin.proto", "proto/health.proto"];
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .generate_default_stubs(true)
        .compile_protos(&protos.map(std::path::PathBuf::from), &[std::path::PathBuf::from("proto"), include])?;
    Ok(())
}
