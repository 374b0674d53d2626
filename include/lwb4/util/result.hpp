// Result<T>: a value or an Error carrying a human-readable reason.
// The core is built without exceptions; every fallible call returns one.
#pragma once

#include <cstdarg>
#include <optional>
#include <string>
#include <utility>

namespace lwb4 {

class Error {
 public:
  explicit Error(std::string reason) : reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

  // Returns a copy of this error with "context: " in front of the reason.
  Error wrap(const std::string& context) const { return Error(context + ": " + reason_); }

 private:
  std::string reason_;
};

// printf-style constructor for errors.
Error make_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

  const Error& error() const { return *error_; }

 private:
  std::optional<T> value_;
  std::optional<Error> error_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace lwb4
