// WaiterList: an intrusive FIFO of waiter records that live on the waiting fibers' stacks.  The
// fiber primitives keep one per wait condition, under their own std::mutex: a waiter links
// itself in, parks, and on a timeout or cancellation unlinks itself unless a waker already
// took it off (`linked` false).
//
// Not thread-safe by itself: the owning primitive's mutex guards it.

#pragma once

#include "tikv/env.h"

namespace tikv::env {

struct WaiterNode {
  Waker waker;
  WaiterNode* prev = nullptr;
  WaiterNode* next = nullptr;
  bool linked = false;
};

template <typename Node>
class WaiterList {
 public:
  bool empty() const { return head_ == nullptr; }
  Node* front() const { return static_cast<Node*>(head_); }

  void PushBack(Node* node) {
    WaiterNode* n = node;
    n->prev = tail_;
    n->next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
    n->linked = true;
  }

  void Remove(Node* node) {
    WaiterNode* n = node;
    if (!n->linked) return;
    if (n->prev != nullptr) {
      n->prev->next = n->next;
    } else {
      head_ = n->next;
    }
    if (n->next != nullptr) {
      n->next->prev = n->prev;
    } else {
      tail_ = n->prev;
    }
    n->prev = n->next = nullptr;
    n->linked = false;
  }

  Node* PopFront() {
    Node* n = front();
    if (n != nullptr) Remove(n);
    return n;
  }

 private:
  WaiterNode* head_ = nullptr;
  WaiterNode* tail_ = nullptr;
};

}  // namespace tikv::env
