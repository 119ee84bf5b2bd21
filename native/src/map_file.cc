// cowshare's native addon: maps an image file read-only and hands its segments to JavaScript as
// SharedArrayBuffers over the mapped pages.
//
// Why SharedArrayBuffers and the V8 API (not Node-API): an Image is a list of SharedArrayBuffers, and
// only a SharedArrayBuffer crosses to worker threads without a copy. Node-API (Node 20) can wrap
// external memory only in a plain ArrayBuffer, which postMessage and workerData copy. A
// SharedArrayBuffer made here shares its backing store with every thread it is posted to, so one
// mapping serves every thread of the process, and the page cache serves every process that maps the
// same file: one physical copy in all. The price is a build per Node major (node-gyp at install).
//
// Invariants:
// - The whole file is mapped once, PROT_READ and MAP_SHARED. A write through a view of it faults
//   (SIGSEGV), and truncating the file while it is mapped raises SIGBUS: image files are immutable and
//   replaced only by rename (docs/pitfalls.md).
// - Every SharedArrayBuffer of one mapping holds one reference to it; V8 calls Release when a buffer
//   dies on any thread, and the last release unmaps. So the mapping lives exactly as long as some
//   thread can still read it.
// - Every range is checked against the file's size here, whatever the caller checked before: this
//   file is the only place where a wrong number could read outside the mapping.

#include <node.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

namespace {

/** One mapped file and the number of SharedArrayBuffers that still refer to it. */
struct Mapping {
  void* address;
  size_t length;
  std::atomic<size_t> users;
};

/** The backing-store deleter: may run on any thread, whenever V8 frees a buffer. */
void Release(void* /* data */, size_t /* length */, void* deleter_data) {
  auto* mapping = static_cast<Mapping*>(deleter_data);
  if (mapping->users.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    munmap(mapping->address, mapping->length);
    delete mapping;
  }
}

void Throw(v8::Isolate* isolate, const std::string& message) {
  isolate->ThrowException(
      v8::Exception::Error(v8::String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
}

/** Largest exact integer of a double; ranges beyond it are refused before any conversion. */
constexpr double kMaxSafe = 9007199254740991.0;

/**
 * map(fd: number, ranges: number[]) → SharedArrayBuffer[]
 *
 * `ranges` holds [offset, length, offset, length, …] in bytes; each must be an integer, the offset a
 * multiple of 8, the length at least 1, and the range inside the file. The file descriptor stays the
 * caller's (a mapping outlives its descriptor).
 */
void MapFile(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (info.Length() != 2 || !info[0]->IsInt32() || !info[1]->IsArray()) {
    return Throw(isolate, "map(fd, ranges): expected a file descriptor and an array of numbers");
  }
  const int fd = info[0].As<v8::Int32>()->Value();
  v8::Local<v8::Array> ranges = info[1].As<v8::Array>();
  const uint32_t count = ranges->Length() / 2;
  if (count == 0 || ranges->Length() % 2 != 0) {
    return Throw(isolate, "map(fd, ranges): ranges must be [offset, length] pairs, at least one");
  }

  struct stat status;
  if (fstat(fd, &status) != 0) return Throw(isolate, std::string("fstat: ") + strerror(errno));
  if (!S_ISREG(status.st_mode)) return Throw(isolate, "not a regular file");
  const auto size = static_cast<uint64_t>(status.st_size);

  // Check every range before mapping anything, so a refusal leaks nothing.
  std::unique_ptr<uint64_t[]> bounds(new uint64_t[2 * count]);
  for (uint32_t i = 0; i < 2 * count; i++) {
    v8::Local<v8::Value> item;
    if (!ranges->Get(context, i).ToLocal(&item) || !item->IsNumber()) {
      return Throw(isolate, "map(fd, ranges): ranges must be numbers");
    }
    const double value = item.As<v8::Number>()->Value();
    if (!(value >= 0 && value <= kMaxSafe) || value != static_cast<double>(static_cast<uint64_t>(value))) {
      return Throw(isolate, "map(fd, ranges): every offset and length must be a safe integer ≥ 0");
    }
    bounds[i] = static_cast<uint64_t>(value);
  }
  for (uint32_t i = 0; i < count; i++) {
    const uint64_t offset = bounds[2 * i], length = bounds[2 * i + 1];
    if (length == 0 || offset % 8 != 0 || offset > size || length > size - offset) {
      return Throw(isolate, "map(fd, ranges): range " + std::to_string(i) + " (" + std::to_string(offset) +
                                " + " + std::to_string(length) + ") is not an aligned part of the " +
                                std::to_string(size) + "-byte file");
    }
  }

  void* address = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) return Throw(isolate, std::string("mmap: ") + strerror(errno));

  auto* mapping = new Mapping{address, size, {count}};
  v8::Local<v8::Array> buffers = v8::Array::New(isolate, static_cast<int>(count));
  for (uint32_t i = 0; i < count; i++) {
    auto* start = static_cast<uint8_t*>(address) + bounds[2 * i];
    std::shared_ptr<v8::BackingStore> store =
        v8::SharedArrayBuffer::NewBackingStore(start, bounds[2 * i + 1], Release, mapping);
    // Set cannot fail on a fresh array; the buffer owns its reference from here on either way.
    buffers->Set(context, i, v8::SharedArrayBuffer::New(isolate, std::move(store))).Check();
  }
  info.GetReturnValue().Set(buffers);
}

}  // namespace

// Context-aware, so worker threads can load the addon too.
NODE_MODULE_INIT(/* exports, module, context */) {
  NODE_SET_METHOD(exports, "map", MapFile);
}
