import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/** The width of `el` in CSS pixels, kept current while the component lives (charts draw to it). */
export function useElementWidth(el: Ref<HTMLElement | undefined>, fallback = 800): Ref<number> {
  const width = ref(fallback)
  let ro: ResizeObserver | undefined
  onMounted(() => {
    const node = el.value as HTMLElement
    width.value = node.clientWidth || fallback
    ro = new ResizeObserver(() => (width.value = node.clientWidth || width.value))
    ro.observe(node)
  })
  onBeforeUnmount(() => ro?.disconnect())
  return width
}
